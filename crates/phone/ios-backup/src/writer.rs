//! todo
pub struct AppSpec;
pub struct BackupWriter;
pub struct WriterOptions;
