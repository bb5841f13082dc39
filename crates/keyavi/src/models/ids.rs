//! Identifier newtypes, so that a payload id is not passed where a user id belongs.

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

        /// Accepts a string or a number (ids are GUIDs in Keyavi's examples, but the
        /// schema is not published).
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
    /// A payload (protected file) id, a GUID.
    PayloadId
}

id_newtype! {
    /// A user id, a GUID.
    UserId
}

id_newtype! {
    /// A policy id (the policy applied when protecting a payload).
    PolicyId
}
