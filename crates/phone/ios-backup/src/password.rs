//! The backup password: from the environment or a prompt without echo, never the command line
//! (where other users of the machine and the shell history would see it).

use zeroize::Zeroizing;

use crate::BackupError;

/// Environment variable that holds the backup password for unattended runs.
pub const PASSWORD_ENV: &str = "STINGWATCH_BACKUP_PASSWORD";

/// The password from [`PASSWORD_ENV`], else asked on the controlling terminal without echo
/// (even when standard input and output are redirected); wiped from memory when dropped.
/// [`BackupError::PasswordRequired`] when neither is available (no terminal, as in CI).
pub fn password_from_env_or_prompt() -> Result<Zeroizing<String>, BackupError> {
    if let Some(p) = std::env::var_os(PASSWORD_ENV) {
        return p
            .into_string()
            .map(Zeroizing::new)
            .map_err(|_| BackupError::PasswordRequired);
    }
    rpassword::prompt_password("Backup password: ")
        .map(Zeroizing::new)
        .map_err(|_| BackupError::PasswordRequired)
}
