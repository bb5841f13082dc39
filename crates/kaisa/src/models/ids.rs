//! Identifier newtypes, so that a customer id is not passed where a source id belongs.

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

        impl From<u64> for $name {
            fn from(id: u64) -> Self {
                Self(id.to_string())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        /// Accepts a string or a number (Kaisa sends numeric ids as strings, `"407382"`).
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
    /// A customer id (numeric, sent by Kaisa as a string).
    CustomerId
}

id_newtype! {
    /// A source (tracking number) id.
    SourceId
}

id_newtype! {
    /// A call detail record id.
    CdrId
}
