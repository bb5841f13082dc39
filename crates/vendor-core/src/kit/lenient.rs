//! Lenient decoding for vendor models: `#[serde(deserialize_with = ...)]` helpers for
//! APIs that send numbers and flags as strings (`"customer_id":"407382"`,
//! `"active":"1"`), ids as numbers, and `""` where they mean "absent".
//!
//! Every `opt_*` helper reads `null`, a missing field (with `#[serde(default)]`) and
//! `""` as `None`, and refuses text it cannot read, so that a vendor's surprise is a
//! decode error with a path rather than a silently wrong value.
//!
//! ```
//! use serde::Deserialize;
//!
//! #[derive(Deserialize)]
//! struct Customer {
//!     #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_u64")]
//!     calls: Option<u64>,
//!     #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_bool")]
//!     active: Option<bool>,
//!     #[serde(default, deserialize_with = "vendor_core::kit::lenient::opt_string")]
//!     phone: Option<String>,
//! }
//!
//! let c: Customer = serde_json::from_str(r#"{"calls":"12","active":"1","phone":46701234}"#)?;
//! assert_eq!((c.calls, c.active, c.phone.as_deref()), (Some(12), Some(true), Some("46701234")));
//! let c: Customer = serde_json::from_str(r#"{"calls":"","active":null}"#)?;
//! assert_eq!((c.calls, c.active, c.phone), (None, None, None));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// An optional unsigned integer: a JSON number, a numeric string (surrounding white
/// space allowed), `null` or `""`. Negative numbers and fractions are refused; a JSON
/// float with no fractional part (`42.0`) is accepted.
///
/// # Errors
///
/// When the value is another type or text that is not a non-negative integer.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(OptNumber::<u64>(PhantomData))
}

/// An optional signed integer: a JSON number, a numeric string (surrounding white
/// space allowed), `null` or `""`.
///
/// As lenient as Azure AD's token answers need: a fraction is dropped (`"3599.0"` and
/// `3599.7` are 3599) and a number beyond `i64` saturates to `i64::MIN`/`i64::MAX`.
///
/// # Errors
///
/// When the value is another type or text that is not a number.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(OptNumber::<i64>(PhantomData))
}

/// An optional decimal number (a score such as `87.5`): a JSON number, a numeric
/// string (surrounding white space allowed), `null` or `""`. `NaN` and infinities are
/// refused.
///
/// # Errors
///
/// When the value is another type or text that is not a finite number.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(OptNumber::<f64>(PhantomData))
}

/// An optional flag: `true`/`false`, `0`/`1` as numbers or strings, `"true"`/`"false"`
/// and `"yes"`/`"no"` in any case; `null` and `""` are absent.
///
/// # Errors
///
/// When the value is another number, another text or another type.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    d.deserialize_any(OptBool)
}

/// An optional string that may arrive as a number or a boolean (written as JSON
/// writes it: `7`, `87.5`, `true`); `null` and `""` are absent.
///
/// # Errors
///
/// When the value is a list or an object.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(OptString)
}

/// A required string that may arrive as a number or a boolean, as
/// [`opt_string`] reads it.
///
/// # Errors
///
/// When the value is `null`, `""`, a list or an object.
pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    opt_string(d)?.ok_or_else(|| de::Error::custom("expected a non-empty string or a number"))
}

/// An optional value built with `From<String>` (an id newtype, an enum with an
/// `Unknown(String)` fallback) from what [`opt_string`] reads.
///
/// # Errors
///
/// As [`opt_string`].
pub fn opt_from_string<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    Ok(opt_string(d)?.map(T::from))
}

/// A value written as text and read with its `FromStr` (a date-time, a code).
///
/// # Errors
///
/// When the value is not a string, or `FromStr` refuses it (its message is kept).
pub fn from_str<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    String::deserialize(d)?.parse().map_err(de::Error::custom)
}

/// An optional value written as text and read with its `FromStr`; `null` and blank
/// text are absent.
///
/// # Errors
///
/// As [`from_str`].
pub fn opt_from_str<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    match Option::<String>::deserialize(d)? {
        Some(text) if !text.trim().is_empty() => text.parse().map(Some).map_err(de::Error::custom),
        _ => Ok(None),
    }
}

/// A list that may also arrive as a single object, or as `null` (an empty list).
/// Errors inside an item keep their position.
///
/// # Errors
///
/// When the value is not a list, an object or `null`, or an item does not decode.
pub fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_any(OneOrMany::<T>(PhantomData))
}

/// How each number type reads JSON numbers and numeric text.
trait LenientNumber: Sized {
    /// What the visitor expects, for serde's messages.
    const EXPECTING: &'static str;
    /// The kind of number, for "`text` is not ...".
    const KIND: &'static str;
    fn from_u64(v: u64) -> Result<Self, String>;
    fn from_i64(v: i64) -> Result<Self, String>;
    fn from_f64(v: f64) -> Result<Self, String>;
    /// Reads trimmed, non-empty text.
    fn from_text(text: &str) -> Option<Self>;
}

impl LenientNumber for u64 {
    const EXPECTING: &'static str = "a non-negative integer, as a number or a string";
    const KIND: &'static str = "a non-negative integer";

    fn from_u64(v: u64) -> Result<Self, String> {
        Ok(v)
    }
    fn from_i64(v: i64) -> Result<Self, String> {
        u64::try_from(v).map_err(|_| format!("{v} is negative"))
    }
    fn from_f64(v: f64) -> Result<Self, String> {
        if v >= 0.0 && v.fract() == 0.0 && v <= u64::MAX as f64 {
            Ok(v as u64)
        } else {
            Err(format!("{v} is not a non-negative integer"))
        }
    }
    fn from_text(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl LenientNumber for i64 {
    const EXPECTING: &'static str = "an integer, as a number or a string";
    const KIND: &'static str = "an integer";

    fn from_u64(v: u64) -> Result<Self, String> {
        Ok(i64::try_from(v).unwrap_or(i64::MAX))
    }
    fn from_i64(v: i64) -> Result<Self, String> {
        Ok(v)
    }
    fn from_f64(v: f64) -> Result<Self, String> {
        // `as` drops the fraction and saturates, which is the documented leniency.
        if v.is_finite() {
            Ok(v as i64)
        } else {
            Err(format!("{v} is not a finite number"))
        }
    }
    fn from_text(text: &str) -> Option<Self> {
        text.parse()
            .ok()
            .or_else(|| f64::from_text(text).and_then(|f| i64::from_f64(f).ok()))
    }
}

impl LenientNumber for f64 {
    const EXPECTING: &'static str = "a number, or a string holding one";
    const KIND: &'static str = "a number";

    fn from_u64(v: u64) -> Result<Self, String> {
        Ok(v as f64)
    }
    fn from_i64(v: i64) -> Result<Self, String> {
        Ok(v as f64)
    }
    fn from_f64(v: f64) -> Result<Self, String> {
        Ok(v)
    }
    fn from_text(text: &str) -> Option<Self> {
        text.parse::<f64>().ok().filter(|n| n.is_finite())
    }
}

/// `null` and unit read as `None`; `Some(x)` reads `x` with the same visitor.
macro_rules! absent_is_none {
    () => {
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    };
}

struct OptNumber<T>(PhantomData<T>);

impl<'de, T: LenientNumber> Visitor<'de> for OptNumber<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        T::from_u64(v).map(Some).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        T::from_i64(v).map(Some).map_err(E::custom)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        T::from_f64(v).map(Some).map_err(E::custom)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(None);
        }
        T::from_text(t)
            .map(Some)
            .ok_or_else(|| E::custom(format!("`{v}` is not {}", T::KIND)))
    }
    absent_is_none!();
}

struct OptBool;

impl<'de> Visitor<'de> for OptBool {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a flag: true/false or 0/1")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match v {
            0 => Ok(Some(false)),
            1 => Ok(Some(true)),
            _ => Err(E::custom(format!("{v} is not a flag (0 or 1)"))),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::custom(format!("{v} is not a flag (0 or 1)"))),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        match v.trim().to_ascii_lowercase().as_str() {
            "" => Ok(None),
            "1" | "true" | "yes" => Ok(Some(true)),
            "0" | "false" | "no" => Ok(Some(false)),
            _ => Err(E::custom(format!("`{v}` is not a flag (0 or 1)"))),
        }
    }
    absent_is_none!();
}

struct OptString;

impl<'de> Visitor<'de> for OptString {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then_some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    absent_is_none!();
}

struct OneOrMany<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list or a single object")
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|item| vec![item])
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Numbers {
        #[serde(default, deserialize_with = "super::opt_u64")]
        u: Option<u64>,
        #[serde(default, deserialize_with = "super::opt_i64")]
        i: Option<i64>,
        #[serde(default, deserialize_with = "super::opt_f64")]
        f: Option<f64>,
    }

    type Read = (Option<u64>, Option<i64>, Option<f64>);

    fn numbers(json: &str) -> Result<Read, serde_json::Error> {
        serde_json::from_str::<Numbers>(json).map(|n| (n.u, n.i, n.f))
    }

    #[test]
    fn numbers_or_numeric_strings() {
        let ok = [
            (
                r#"{"u":3,"i":-3,"f":87.5}"#,
                (Some(3), Some(-3), Some(87.5)),
            ),
            (
                r#"{"u":"3","i":"-3","f":"87.5"}"#,
                (Some(3), Some(-3), Some(87.5)),
            ),
            (
                r#"{"u":" 3 ","i":" 3599.0 ","f":-1}"#,
                (Some(3), Some(3599), Some(-1.0)),
            ),
            (
                r#"{"u":42.0,"i":3599.7,"f":"7"}"#,
                (Some(42), Some(3599), Some(7.0)),
            ),
            (r#"{"f":12}"#, (None, None, Some(12.0))),
            (r#"{"u":null,"i":null,"f":null}"#, (None, None, None)),
            (r#"{"u":"","i":"","f":""}"#, (None, None, None)),
            (r#"{}"#, (None, None, None)),
        ];
        for (json, expected) in ok {
            assert_eq!(numbers(json).unwrap(), expected, "{json}");
        }
        for bad in [
            r#"{"u":-1}"#,
            r#"{"u":1.5}"#,
            r#"{"u":"three"}"#,
            r#"{"u":"3.0"}"#,
            r#"{"u":true}"#,
            r#"{"i":"soon"}"#,
            r#"{"i":[1]}"#,
            r#"{"f":"NaN"}"#,
            r#"{"f":"inf"}"#,
            r#"{"f":true}"#,
        ] {
            assert!(numbers(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn integers_saturate_where_they_overflow() {
        let i = |v: serde_json::Value| super::opt_i64(&v).unwrap();
        assert_eq!(i(json!(u64::MAX)), Some(i64::MAX));
        assert_eq!(i(json!("99999999999999999999")), Some(i64::MAX));
        assert_eq!(i(json!("-99999999999999999999")), Some(i64::MIN));
        assert_eq!(i(json!(-5)), Some(-5));
        let u = |v: serde_json::Value| super::opt_u64(&v);
        assert_eq!(u(json!(u64::MAX)).unwrap(), Some(u64::MAX));
        assert!(u(json!("99999999999999999999")).is_err());
    }

    #[test]
    fn errors_name_the_text() {
        let err = numbers(r#"{"u":"many"}"#).unwrap_err().to_string();
        assert!(
            err.contains("`many` is not a non-negative integer"),
            "{err}"
        );
        let err = numbers(r#"{"u":-1}"#).unwrap_err().to_string();
        assert!(err.contains("-1 is negative"), "{err}");
        let err = numbers(r#"{"f":"x"}"#).unwrap_err().to_string();
        assert!(err.contains("`x` is not a number"), "{err}");
        // A value of another kind: serde says what was expected.
        let err = numbers(r#"{"f":true}"#).unwrap_err().to_string();
        assert!(
            err.contains("expected a number, or a string holding one"),
            "{err}"
        );
        let err = serde_json::from_str::<Flag>(r#"{"f":[1]}"#)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a flag: true/false or 0/1"), "{err}");
    }

    #[derive(Deserialize)]
    struct Flag {
        #[serde(default, deserialize_with = "super::opt_bool")]
        f: Option<bool>,
    }

    #[test]
    fn flags() {
        for (json, f) in [
            (r#"{"f":"1"}"#, Some(true)),
            (r#"{"f":" 0 "}"#, Some(false)),
            (r#"{"f":0}"#, Some(false)),
            (r#"{"f":1}"#, Some(true)),
            (r#"{"f":true}"#, Some(true)),
            (r#"{"f":"False"}"#, Some(false)),
            (r#"{"f":"YES"}"#, Some(true)),
            (r#"{"f":"no"}"#, Some(false)),
            (r#"{"f":""}"#, None),
            (r#"{"f":null}"#, None),
            (r#"{}"#, None),
        ] {
            assert_eq!(serde_json::from_str::<Flag>(json).unwrap().f, f, "{json}");
        }
        for bad in [
            r#"{"f":"2"}"#,
            r#"{"f":2}"#,
            r#"{"f":-1}"#,
            r#"{"f":"maybe"}"#,
        ] {
            assert!(serde_json::from_str::<Flag>(bad).is_err(), "{bad}");
        }
    }

    #[derive(Debug, PartialEq)]
    struct Wrapped(String);

    impl From<String> for Wrapped {
        fn from(s: String) -> Self {
            Wrapped(s)
        }
    }

    #[derive(Deserialize)]
    struct Texts {
        #[serde(default, deserialize_with = "super::opt_string")]
        s: Option<String>,
        #[serde(default, deserialize_with = "super::opt_from_string")]
        w: Option<Wrapped>,
    }

    #[test]
    fn strings_from_numbers() {
        for (json, s) in [
            (r#"{"s":"x"}"#, Some("x")),
            (r#"{"s":7}"#, Some("7")),
            (r#"{"s":-7}"#, Some("-7")),
            (r#"{"s":87.5}"#, Some("87.5")),
            (r#"{"s":true}"#, Some("true")),
            (r#"{"s":" "}"#, Some(" ")),
            (r#"{"s":""}"#, None),
            (r#"{"s":null}"#, None),
            (r#"{}"#, None),
        ] {
            let t: Texts = serde_json::from_str(json).unwrap();
            assert_eq!(t.s.as_deref(), s, "{json}");
        }
        // From an owned document (`serde_json::Value`), strings arrive owned.
        for (value, s) in [(json!({"s": "x y"}), Some("x y")), (json!({"s": ""}), None)] {
            let t: Texts = serde_json::from_value(value).unwrap();
            assert_eq!(t.s.as_deref(), s);
        }
        let t: Texts = serde_json::from_str(r#"{"w":407382}"#).unwrap();
        assert_eq!(t.w, Some(Wrapped("407382".into())));
        let err = serde_json::from_str::<Texts>(r#"{"s":[1]}"#)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected a string or a number"), "{err}");
        assert!(serde_json::from_str::<Texts>(r#"{"w":{}}"#).is_err());
    }

    #[test]
    fn required_strings() {
        let s = |v: serde_json::Value| super::string(&v);
        assert_eq!(s(json!("id-1")).unwrap(), "id-1");
        assert_eq!(s(json!(407382)).unwrap(), "407382");
        assert!(s(json!("")).is_err());
        assert!(s(json!(null)).is_err());
    }

    #[derive(Debug, PartialEq)]
    struct Even(u32);

    impl std::str::FromStr for Even {
        type Err = String;
        fn from_str(s: &str) -> Result<Self, String> {
            match s.parse::<u32>() {
                Ok(n) if n % 2 == 0 => Ok(Even(n)),
                _ => Err(format!("`{s}` is not an even number")),
            }
        }
    }

    #[derive(Debug, Deserialize)]
    struct Parsed {
        #[serde(deserialize_with = "super::from_str")]
        one: Even,
        #[serde(default, deserialize_with = "super::opt_from_str")]
        maybe: Option<Even>,
    }

    #[test]
    fn values_read_with_from_str() {
        let p: Parsed = serde_json::from_str(r#"{"one":"2","maybe":"4"}"#).unwrap();
        assert_eq!((p.one, p.maybe), (Even(2), Some(Even(4))));
        for json in [
            r#"{"one":"2","maybe":" "}"#,
            r#"{"one":"2","maybe":null}"#,
            r#"{"one":"2"}"#,
        ] {
            let p: Parsed = serde_json::from_str(json).unwrap();
            assert_eq!(p.maybe, None, "{json}");
        }
        let err = serde_json::from_str::<Parsed>(r#"{"one":"3"}"#).unwrap_err();
        assert!(
            err.to_string().contains("`3` is not an even number"),
            "{err}"
        );
        assert!(serde_json::from_str::<Parsed>(r#"{"one":2}"#).is_err());
        assert!(serde_json::from_str::<Parsed>(r#"{"one":"2","maybe":"5"}"#).is_err());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        n: u32,
    }

    #[derive(Debug, Deserialize)]
    struct List {
        #[serde(default, deserialize_with = "super::one_or_many")]
        items: Vec<Item>,
    }

    #[test]
    fn one_or_many() {
        let items = |json: &str| serde_json::from_str::<List>(json).map(|l| l.items);
        assert_eq!(
            items(r#"{"items":[{"n":1},{"n":2}]}"#).unwrap(),
            [Item { n: 1 }, Item { n: 2 }]
        );
        assert_eq!(items(r#"{"items":{"n":1}}"#).unwrap(), [Item { n: 1 }]);
        assert_eq!(items(r#"{"items":null}"#).unwrap(), []);
        assert_eq!(items(r#"{}"#).unwrap(), []);
        let err = serde_path_to_error::deserialize::<_, List>(
            &mut serde_json::Deserializer::from_str(r#"{"items":[{"n":1},{"n":"x"}]}"#),
        )
        .unwrap_err();
        assert_eq!(err.path().to_string(), "items[1].n");
        let err = items(r#"{"items":"x"}"#).unwrap_err().to_string();
        assert!(err.contains("expected a list or a single object"), "{err}");
    }

    // The cases of the copies the vendor crates had before this module.

    #[derive(Deserialize)]
    struct N {
        #[serde(default, deserialize_with = "super::opt_u64")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "super::opt_string")]
        s: Option<String>,
    }

    #[test]
    fn numbers_and_strings() {
        let cases = [
            (r#"{"n":42,"s":7}"#, Some(42), Some("7")),
            (r#"{"n":"42","s":"x"}"#, Some(42), Some("x")),
            (r#"{"n":"","s":""}"#, None, None),
            (r#"{"n":null,"s":null}"#, None, None),
            (r#"{}"#, None, None),
        ];
        for (json, n, s) in cases {
            let v: N = serde_json::from_str(json).unwrap();
            assert_eq!(v.n, n, "{json}");
            assert_eq!(v.s.as_deref(), s, "{json}");
        }
        assert!(serde_json::from_str::<N>(r#"{"n":"many"}"#).is_err());
        assert!(serde_json::from_str::<N>(r#"{"n":-1}"#).is_err());
    }

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "super::opt_u64")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "super::opt_f64")]
        x: Option<f64>,
    }

    fn probe(json: &str) -> Result<(Option<u64>, Option<f64>), serde_json::Error> {
        serde_json::from_str::<Probe>(json).map(|p| (p.n, p.x))
    }

    #[test]
    fn numbers_or_numeric_strings_as_kazi_sends_them() {
        assert_eq!(probe(r#"{"n":3,"x":87.5}"#).unwrap(), (Some(3), Some(87.5)));
        assert_eq!(
            probe(r#"{"n":"3","x":"87.5"}"#).unwrap(),
            (Some(3), Some(87.5))
        );
        assert_eq!(
            probe(r#"{"n":" 3 ","x":-1}"#).unwrap(),
            (Some(3), Some(-1.0))
        );
        assert_eq!(probe(r#"{"n":null,"x":""}"#).unwrap(), (None, None));
        assert_eq!(probe(r#"{}"#).unwrap(), (None, None));
        assert!(probe(r#"{"n":-1}"#).is_err());
        assert!(probe(r#"{"n":"three"}"#).is_err());
        assert!(probe(r#"{"x":"NaN"}"#).is_err());
        assert!(probe(r#"{"x":true}"#).is_err());
    }
}
