//! A lean serde `Deserializer` over `serde_json::Value`, for the API's answers.
//!
//! Why not `serde_json::from_value`: each API type's derived visitor is compiled against
//! every path the deserializer can take, and serde_json's can take them all (a struct from a
//! JSON array, any number into any integer or float, identifiers from bytes or indexes, error
//! messages that print floats). The API writes one shape per type: objects for structs,
//! strings for identifiers, enums and amounts, integers for counts. Offering only those
//! paths lets the compiler drop the rest from every visitor; with ~45 API types that is the
//! difference between typed data costing the first page nothing and costing a third more.
//! Anything else the API might send is an error with the expected shape in it.

use core::fmt;

use serde::de::{
    self, DeserializeOwned, Deserializer, Expected, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use serde_json::{Map, Value};

/// Why an answer does not have its type's shape.
#[derive(Debug)]
pub(crate) struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }

    // The defaults print the unexpected value, floats included: the expected shape says
    // enough, for much less code.
    fn invalid_type(_: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Self(format!("expected {exp}"))
    }

    fn invalid_value(_: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Self(format!("expected {exp}"))
    }
}

/// `T` from JSON the API wrote.
pub(crate) fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    T::deserialize(De(value))
}

fn wrong(what: &str) -> Error {
    Error(format!("expected {what}"))
}

struct De(Value);

impl<'de> Deserializer<'de> for De {
    type Error = Error;

    /// For types that take any JSON (`MetadataJson`, the parts of a flattened struct, ignored
    /// members).
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(b),
            Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => v.visit_u64(u),
                (_, Some(i)) => v.visit_i64(i),
                _ => v.visit_f64(n.as_f64().unwrap_or_default()),
            },
            Value::String(s) => v.visit_string(s),
            Value::Array(a) => v.visit_seq(Seq(a.into_iter())),
            Value::Object(m) => v.visit_map(Obj(m.into_iter(), None)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Bool(b) => v.visit_bool(b),
            _ => Err(wrong("true or false")),
        }
    }

    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_u64(v)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0.as_u64() {
            Some(u) => v.visit_u64(u),
            None => Err(wrong("an unsigned integer")),
        }
    }

    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_i64(v)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0.as_i64() {
            Some(i) => v.visit_i64(i),
            None => Err(wrong("an integer")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => v.visit_string(s),
            _ => Err(wrong("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => v.visit_unit(),
            _ => Err(wrong("null")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(a) => v.visit_seq(Seq(a.into_iter())),
            _ => Err(wrong("an array")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(m) => v.visit_map(Obj(m.into_iter(), None)),
            _ => Err(wrong("an object")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(v)
    }

    /// Unit variants, by name: the API's enums.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::String(s) => v.visit_enum(s.into_deserializer()),
            _ => Err(wrong("a name")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i128 u128 f32 f64 char bytes byte_buf unit_struct tuple tuple_struct
    }
}

struct Seq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Seq {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(De(v))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's members, and the value of the key last read.
struct Obj(<Map<String, Value> as IntoIterator>::IntoIter, Option<Value>);

impl<'de> MapAccess<'de> for Obj {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.0.next() else { return Ok(None) };
        self.1 = Some(value);
        seed.deserialize(De(Value::String(key))).map(Some)
    }

    fn next_value_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(De(self.1.take().unwrap_or(Value::Null)))
    }
}
