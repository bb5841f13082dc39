//! Assertions the vendor crates' tests share: which setting a configuration error
//! names, which argument a call refused, and that no secret shows in a text.

use std::fmt::Debug;

/// The setting (or environment variable) a configuration error names.
///
/// # Panics
///
/// When `result` is not an [`vendor_core::Error::Config`].
pub fn config_field<T: Debug>(result: Result<T, vendor_core::Error>) -> &'static str {
    match result {
        Err(vendor_core::Error::Config(e)) => e.field(),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// The argument a call refused before sending anything
/// ([`vendor_core::Error::InvalidArgument`]).
///
/// # Panics
///
/// When `result` is another error or a success.
pub fn refused_argument<T: Debug>(result: Result<T, vendor_core::Error>) -> &'static str {
    match result {
        Err(vendor_core::Error::InvalidArgument(e)) => e.name(),
        other => panic!("expected an invalid argument error, got {other:?}"),
    }
}

/// Asserts that none of `secrets` appears in `text` (a `Debug` output, an error
/// message, a log).
///
/// # Panics
///
/// When one does.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
}

/// Removes the environment variables `names`, before and after a test that sets
/// them (they are process-wide: keep such tests in one test function per crate).
pub fn remove_env_vars(names: &[&str]) {
    for name in names {
        std::env::remove_var(name);
    }
}

#[cfg(test)]
mod tests {
    use oauth_core::ConfigError;

    use super::*;

    #[test]
    fn config_field_names_the_setting() {
        let err: Result<(), _> = Err(vendor_core::Error::Config(ConfigError::new("tenant", "x")));
        assert_eq!(config_field(err), "tenant");
    }

    #[test]
    #[should_panic(expected = "expected a configuration error")]
    fn config_field_refuses_success() {
        config_field(Ok::<_, vendor_core::Error>(1));
    }

    #[test]
    fn refused_argument_names_it() {
        let err: Result<(), _> = Err(vendor_core::Error::invalid("page", "from 1"));
        assert_eq!(refused_argument(err), "page");
    }

    #[test]
    #[should_panic(expected = "expected an invalid argument error")]
    fn refused_argument_refuses_other_errors() {
        refused_argument::<()>(Err(vendor_core::Error::Config(ConfigError::new("x", "y"))));
    }

    #[test]
    #[should_panic(expected = "s3cret leaked")]
    fn a_secret_in_the_text_fails() {
        assert_no_secret("id=a secret=s3cret", &["other", "s3cret"]);
    }

    #[test]
    fn a_text_without_secrets_passes() {
        assert_no_secret("id=a secret=[redacted]", &["s3cret"]);
    }
}
