//! todo
pub struct DecryptSummary;
pub fn decrypt_to() {}
pub fn decrypt_to_with_progress() {}
