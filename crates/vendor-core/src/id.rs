//! [`id_newtype!`](crate::id_newtype), which declares vendor id newtypes.

/// Declares id newtypes around a `String`, so that one kind of id is not passed where
/// another belongs.
///
/// Each type gets `new`, `as_str`, `to_path_segment` (the id checked and
/// percent-encoded for a URL path, see [`api::path_segment`](crate::api::path_segment)),
/// `Debug`, `Clone`, `PartialEq`/`Eq`,
/// `PartialOrd`/`Ord`, `Hash`, `Display` (the bare id), `AsRef<str>`, `From<&str>`,
/// `From<String>` and `From<&Self>`, and serde support: it serializes as a plain
/// string and deserializes from a non-empty string or a number (vendors send numeric
/// ids either way; see [`lenient::opt_string`](crate::kit::lenient::opt_string)). Write
/// `: From<u64>` (or another `Display` type) after the name to convert from numbers
/// too.
///
/// ```
/// vendor_core::id_newtype! {
///     /// A customer id.
///     pub struct CustomerId: From<u64>;
///     /// A source id.
///     pub struct SourceId;
/// }
///
/// let id = CustomerId::from(407_382_u64);
/// assert_eq!(id.as_str(), "407382");
/// let parsed: CustomerId = serde_json::from_str(r#""407382""#)?;
/// assert_eq!(parsed, id);
/// assert_eq!(serde_json::from_str::<CustomerId>("407382")?, id);
/// assert_eq!(serde_json::to_string(&id)?, r#""407382""#);
/// assert!(serde_json::from_str::<SourceId>(r#""""#).is_err());
/// assert_eq!(SourceId::new("s-1").to_string(), "s-1");
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// Constructing an id never fails (ids the server sends always deserialize); putting
/// one in a path does, for an id that would not name exactly one resource there:
///
/// ```
/// # vendor_core::id_newtype! { pub struct CustomerId: From<u64>; }
/// use vendor_core::Error;
///
/// assert_eq!(CustomerId::from(407_382_u64).to_path_segment("customer_id")?, "407382");
/// assert_eq!(CustomerId::new("40/7").to_path_segment("customer_id")?, "40%2F7");
/// let parsed: CustomerId = serde_json::from_str(r#""..""#)?;
/// assert!(matches!(
///     parsed.to_path_segment("customer_id"),
///     Err(Error::InvalidArgument(e))
///  if e.name() == "customer_id"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[macro_export]
macro_rules! id_newtype {
    () => {};
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(: From<$number:ty>)?;
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis struct $name(::std::string::String);

        impl $name {
            /// Wraps an id.
            pub fn new(id: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(id.into())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as one URL path segment, percent-encoded; `name` is the argument
            /// it came from, for the error.
            ///
            /// # Errors
            ///
            /// [`InvalidArgument`]($crate::Error::InvalidArgument) naming `name`
            /// for an id that is empty, `.` or `..` (also percent-encoded), which URL
            /// joining would resolve to another resource: see
            /// [`path_segment`]($crate::path_segment).
            pub fn to_path_segment(
                &self,
                name: &'static str,
            ) -> ::std::result::Result<::std::string::String, $crate::Error> {
                $crate::path_segment(name, &self.0)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(id: ::std::string::String) -> Self {
                Self(id)
            }
        }

        impl ::std::convert::From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        $(
            impl ::std::convert::From<$number> for $name {
                fn from(id: $number) -> Self {
                    Self(id.to_string())
                }
            }
        )?

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        /// Accepts a non-empty string or a number.
        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::kit::lenient::opt_string(deserializer)?
                    .map(Self)
                    .ok_or_else(|| {
                        <D::Error as $crate::__private::serde::de::Error>::custom(
                            "expected a non-empty id",
                        )
                    })
            }
        }

        $crate::id_newtype! { $($rest)* }
    };
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    crate::id_newtype! {
        /// A test id.
        pub struct PlainId;
        /// A numeric test id.
        pub(crate) struct NumberId: From<u64>;
    }

    #[test]
    fn conversions_and_text() {
        let id = PlainId::new("a-1");
        assert_eq!(id.as_str(), "a-1");
        assert_eq!(id.as_ref(), "a-1");
        assert_eq!(id.to_string(), "a-1");
        assert_eq!(format!("{id:?}"), r#"PlainId("a-1")"#);
        assert_eq!(PlainId::from("a-1"), id);
        assert_eq!(PlainId::from("a-1".to_owned()), id);
        assert_eq!(PlainId::from(&id), id);
        assert_eq!(NumberId::from(7_u64), NumberId::new("7"));
        assert_eq!(NumberId::from(7_u64).as_str(), "7");
        assert!(PlainId::from("a") < PlainId::from("b"));
        assert_eq!(HashSet::from([id.clone(), id]).len(), 1);
    }

    #[test]
    fn ids_in_a_path_refuse_dot_segments_but_still_deserialize() {
        for bad in ["..", ".", "%2e%2e", "%2E%2e", " "] {
            let parsed: PlainId = serde_json::from_str(&format!("{bad:?}")).unwrap();
            assert!(
                matches!(
                    parsed.to_path_segment("plain_id"),
                    Err(crate::Error::InvalidArgument(e))
                 if e.name() == "plain_id"),
                "{bad:?}"
            );
        }
        assert!(matches!(
            PlainId::new("").to_path_segment("plain_id"),
            Err(crate::Error::InvalidArgument(e))
         if e.name() == "plain_id"));
        assert_eq!(
            NumberId::from(407_382_u64)
                .to_path_segment("number_id")
                .unwrap(),
            "407382"
        );
        assert_eq!(
            PlainId::new("a/b").to_path_segment("plain_id").unwrap(),
            "a%2Fb"
        );
    }

    #[test]
    fn serde_accepts_strings_and_numbers() {
        let id: PlainId = serde_json::from_str(r#""a-1""#).unwrap();
        assert_eq!(id, PlainId::from("a-1"));
        let id: NumberId = serde_json::from_str("407382").unwrap();
        assert_eq!(id, NumberId::from(407_382_u64));
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""407382""#);
        for bad in [r#""""#, "null", "[]", "{}"] {
            assert!(serde_json::from_str::<PlainId>(bad).is_err(), "{bad}");
        }
        let err = serde_json::from_str::<PlainId>("null").unwrap_err();
        assert!(err.to_string().contains("expected a non-empty id"), "{err}");
    }
}
