//! [`text_enum_impls!`](crate::text_enum_impls), the conversions of vendor enums
//! written as text.

/// Implements the text conversions of a vendor enum that is written as text and keeps
/// values it does not know in an `Unknown(String)` variant.
///
/// The enum provides what is vendor-specific: `as_str(&self) -> &str` (how the vendor
/// spells each value) and `From<&str>` (how loosely text is matched, returning
/// `Unknown` for anything else). The macro adds `From<String>` (which keeps the
/// original string in `Unknown` without copying it), `FromStr` (infallible),
/// `Display` (as `as_str`), and serde: serialized as `as_str`, deserialized from any
/// string through `From<String>`, so that a value the vendor adds later still decodes.
///
/// ```
/// #[derive(Debug, PartialEq)]
/// pub enum Status {
///     Active,
///     Unknown(String),
/// }
///
/// impl Status {
///     pub fn as_str(&self) -> &str {
///         match self {
///             Status::Active => "active",
///             Status::Unknown(other) => other,
///         }
///     }
/// }
///
/// impl From<&str> for Status {
///     fn from(text: &str) -> Self {
///         if text.eq_ignore_ascii_case("active") {
///             Status::Active
///         } else {
///             Status::Unknown(text.to_owned())
///         }
///     }
/// }
///
/// vendor_core::text_enum_impls!(Status);
///
/// assert_eq!("ACTIVE".parse::<Status>(), Ok(Status::Active));
/// assert_eq!(Status::Active.to_string(), "active");
/// let later: Status = serde_json::from_str(r#""paused""#)?;
/// assert_eq!(later, Status::Unknown("paused".into()));
/// assert_eq!(serde_json::to_string(&later)?, r#""paused""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[macro_export]
macro_rules! text_enum_impls {
    ($name:ident) => {
        impl ::std::convert::From<::std::string::String> for $name {
            fn from(text: ::std::string::String) -> Self {
                match Self::from(text.as_str()) {
                    Self::Unknown(_) => Self::Unknown(text),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(text: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(text))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                <::std::string::String as $crate::__private::serde::Deserialize<'de>>::deserialize(
                    deserializer,
                )
                .map(Self::from)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, PartialEq)]
    enum Level {
        Low,
        High,
        Unknown(String),
    }

    impl Level {
        fn as_str(&self) -> &str {
            match self {
                Level::Low => "low",
                Level::High => "high",
                Level::Unknown(other) => other,
            }
        }
    }

    impl From<&str> for Level {
        fn from(text: &str) -> Self {
            match text {
                "low" => Level::Low,
                "high" => Level::High,
                other => Level::Unknown(other.to_owned()),
            }
        }
    }

    crate::text_enum_impls!(Level);

    #[test]
    fn text_round_trips_and_unknowns_are_kept() {
        for level in [Level::Low, Level::High, Level::Unknown("mid".into())] {
            assert_eq!(Level::from(level.to_string()), level);
            assert_eq!(level.as_str().parse::<Level>().unwrap(), level);
            let json = serde_json::to_string(&level).unwrap();
            assert_eq!(json, format!("\"{}\"", level.as_str()));
            assert_eq!(serde_json::from_str::<Level>(&json).unwrap(), level);
        }
        // The matching is the enum's own: this one is case-sensitive.
        assert_eq!(Level::from("LOW".to_owned()), Level::Unknown("LOW".into()));
        assert!(serde_json::from_str::<Level>("1").is_err());
    }
}
