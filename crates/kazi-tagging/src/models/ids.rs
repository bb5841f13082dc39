//! Identifier newtypes, so that a job scan id is not passed where a talent scan id
//! belongs.

macro_rules! id_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an id.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        /// Accepts a string or a number: Kazi documents ids as GUIDs, but does not
        /// promise their JSON type.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                super::lenient::opt_string(d)?
                    .map(Self)
                    .ok_or_else(|| serde::de::Error::custom("expected a non-empty id"))
            }
        }
    };
}

id_newtype! {
    /// A talent scan id (a GUID): a candidate's scan.
    TalentScanId
}

id_newtype! {
    /// A job scan id (a GUID): a vacancy's scan.
    JobScanId
}

id_newtype! {
    /// An expectation id (a GUID): a work value or team role.
    ExpectationId
}
