//! The password comes from the environment when set (its own test binary: it sets a
//! process-wide variable).

use stingwatch_ios_backup::{password_from_env_or_prompt, PASSWORD_ENV};

#[test]
fn password_is_taken_from_the_environment() {
    std::env::set_var(PASSWORD_ENV, "from the environment");
    assert_eq!(
        password_from_env_or_prompt().unwrap().as_str(),
        "from the environment"
    );
    std::env::remove_var(PASSWORD_ENV);
}
