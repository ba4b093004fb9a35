//! A lean serde `Deserializer` over JSON the browser parsed, for the API's answers.
//!
//! The browser parses the answer (`Response.json()`, i.e. `JSON.parse`), so no JSON parser,
//! number parsing or intermediate tree is compiled into the WASM; this deserializer walks the
//! parsed value through a handful of `wasm-bindgen` calls ([`Json`]).
//!
//! Why not serde's usual paths: each API type's derived visitor is compiled against every
//! path the deserializer can take. The API writes one shape per type: objects for structs,
//! strings for identifiers, enums and amounts, integers for counts. This deserializer offers
//! only those, and hands a struct its members as a sequence in its own field order (looked up
//! by the field names serde passes), so the derived visitors take them one after the other
//! with no names to match and no duplicate checks (and a struct with a flattened part, as two
//! structs read from the same object: see [`Fields`]). Every branch on the JSON itself lives in
//! [`Json`] and the few helpers here, compiled once; what is compiled per type is only the
//! call into the visitor. Unknown members are ignored (as serde does, `deny_unknown_fields`
//! aside: no answer type has it); a missing member reads as `null`, so an absent optional
//! one is `None` and an absent required one an error naming it.
//!
//! JSON numbers are doubles in the browser: integers are exact up to 2^53, which every count,
//! chain id and block number the API writes is far below (uint256 values are strings).

use core::fmt;

use cointent_domain::flatten::FLATTENED;
use serde::de::{
    self, DeserializeOwned, Deserializer, Expected, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, Visitor,
};
use wasm_bindgen::{JsCast, JsValue};

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
        expected(exp)
    }

    fn invalid_value(_: Unexpected<'_>, exp: &dyn Expected) -> Self {
        expected(exp)
    }

    fn invalid_length(_: usize, exp: &dyn Expected) -> Self {
        expected(exp)
    }
}

#[inline(never)]
fn expected(exp: &dyn Expected) -> Error {
    Error(format!("expected {exp}"))
}

#[inline(never)]
fn wrong(what: &str) -> Error {
    Error(format!("expected {what}"))
}

/// `e`, in member `name`.
#[cold]
#[inline(never)]
fn at(name: &str, e: Error) -> Error {
    Error(format!("{name}: {e}"))
}

/// The JSON types.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `null` (or a member that is not there).
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// A parsed JSON value, as the deserializer reads it: the browser's (`JsValue`) in the app;
/// the native unit tests read `serde_json`'s through the same code.
pub(crate) trait Json: Clone {
    /// Its JSON type.
    fn kind(&self) -> Kind;
    /// The boolean, when it is one.
    fn boolean(&self) -> Option<bool>;
    /// The number, when it is one.
    fn number(&self) -> Option<f64>;
    /// The string, when it is one.
    fn string(&self) -> Option<String>;
    /// An array's length.
    fn len(&self) -> u32;
    /// An array's element `i`.
    fn index(&self, i: u32) -> Self;
    /// An object's member `name` (null when it has none).
    fn member(&self, name: &str) -> Self;
    /// An object's member names, as an array of strings.
    fn keys(&self) -> Self;
    /// An object's member named by `key` (a string from [`Json::keys`]).
    fn get(&self, key: &Self) -> Self;
}

impl Json for JsValue {
    fn kind(&self) -> Kind {
        if self.is_null() || self.is_undefined() {
            Kind::Null
        } else if self.is_string() {
            Kind::String
        } else if self.as_bool().is_some() {
            Kind::Bool
        } else if self.as_f64().is_some() {
            Kind::Number
        } else if js_sys::Array::is_array(self) {
            Kind::Array
        } else {
            Kind::Object
        }
    }

    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn number(&self) -> Option<f64> {
        self.as_f64()
    }

    fn string(&self) -> Option<String> {
        self.as_string()
    }

    fn len(&self) -> u32 {
        self.unchecked_ref::<js_sys::Array>().length()
    }

    fn index(&self, i: u32) -> Self {
        self.unchecked_ref::<js_sys::Array>().get(i)
    }

    fn member(&self, name: &str) -> Self {
        self.get(&JsValue::from_str(name))
    }

    fn keys(&self) -> Self {
        js_sys::Object::keys(self.unchecked_ref::<js_sys::Object>()).into()
    }

    fn get(&self, key: &Self) -> Self {
        js_sys::Reflect::get(self, key).unwrap_or(JsValue::UNDEFINED)
    }
}

/// `T` from JSON the API wrote.
pub(crate) fn from_json<T: DeserializeOwned, J: Json>(value: J) -> Result<T, Error> {
    T::deserialize(De(value))
}

/// The largest integer a double holds exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// `n` as an unsigned integer, when it is one (and exact).
fn uint(n: f64) -> Option<u64> {
    ((0.0..=MAX_SAFE).contains(&n) && n.trunc() == n).then_some(n as u64)
}

/// `n` as an integer, when it is one (and exact).
fn int(n: f64) -> Option<i64> {
    ((-MAX_SAFE..=MAX_SAFE).contains(&n) && n.trunc() == n).then_some(n as i64)
}

struct De<J>(J);

impl<J: Json> De<J> {
    fn boolean(&self) -> Result<bool, Error> {
        self.0.boolean().ok_or_else(|| wrong("true or false"))
    }

    fn u64(&self) -> Result<u64, Error> {
        self.0.number().and_then(uint).ok_or_else(|| wrong("an unsigned integer"))
    }

    fn i64(&self) -> Result<i64, Error> {
        self.0.number().and_then(int).ok_or_else(|| wrong("an integer"))
    }

    fn f64(&self) -> Result<f64, Error> {
        self.0.number().ok_or_else(|| wrong("a number"))
    }

    fn string(&self) -> Result<String, Error> {
        self.0.string().ok_or_else(|| wrong("a string"))
    }

    fn is(self, kind: Kind, what: &str) -> Result<J, Error> {
        if self.0.kind() == kind { Ok(self.0) } else { Err(wrong(what)) }
    }

    fn seq(self) -> Result<Seq<J>, Error> {
        let array = self.is(Kind::Array, "an array")?;
        Ok(Seq { len: array.len(), array, next: 0 })
    }

    fn map(self) -> Result<Obj<J>, Error> {
        let object = self.is(Kind::Object, "an object")?;
        let keys = object.keys();
        Ok(Obj { keys: Seq { len: keys.len(), array: keys, next: 0 }, object, value: None })
    }
}

impl<'de, J: Json> Deserializer<'de> for De<J> {
    type Error = Error;

    /// For types that take any JSON (`MetadataJson`, alloy's hex types, ignored members).
    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        match self.0.kind() {
            Kind::Null => v.visit_unit(),
            Kind::Bool => v.visit_bool(self.boolean()?),
            Kind::Number => {
                let n = self.f64()?;
                match (uint(n), int(n)) {
                    (Some(u), _) => v.visit_u64(u),
                    (_, Some(i)) => v.visit_i64(i),
                    _ => v.visit_f64(n),
                }
            }
            Kind::String => v.visit_string(self.string()?),
            Kind::Array => v.visit_seq(self.seq()?),
            Kind::Object => v.visit_map(self.map()?),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_bool(self.boolean()?)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u64(self.u64()?)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u64(self.u64()?)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u64(self.u64()?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u64(self.u64()?)
    }

    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i64(self.i64()?)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i64(self.i64()?)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i64(self.i64()?)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i64(self.i64()?)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_f64(self.f64()?)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_f64(self.f64()?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string()?)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string()?)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.string()?)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        if self.0.kind() == Kind::Null { v.visit_none() } else { v.visit_some(self) }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.is(Kind::Null, "null")?;
        v.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_seq(self.seq()?)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, Error> {
        v.visit_seq(self.seq()?)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_seq(self.seq()?)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_map(self.map()?)
    }

    /// A struct's members in its field order, as a sequence: the derived visitor then takes
    /// them one after the other, with no field names to match (see the module doc).
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_seq(Fields { names: fields.iter(), object: self.is(Kind::Object, "an object")? })
    }

    /// Unit variants, by name: the API's enums.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_enum(self.string()?.into_deserializer())
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_any(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

/// An array's elements.
struct Seq<J> {
    array: J,
    len: u32,
    next: u32,
}

impl<J: Json> Seq<J> {
    #[inline(never)]
    fn next(&mut self) -> Option<J> {
        (self.next < self.len).then(|| {
            self.next += 1;
            self.array.index(self.next - 1)
        })
    }
}

impl<'de, J: Json> SeqAccess<'de> for Seq<J> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.next() {
            Some(v) => seed.deserialize(De(v)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.len - self.next) as usize)
    }
}

/// An object's members in the order of a struct's fields; a member the object lacks is
/// `null` (so an absent optional member is `None`, and an absent required one an error).
/// A field named [`FLATTENED`] is the whole object: the domain reads a struct with a
/// flattened part as the part and the rest, both from the same object
/// (`cointent_domain::flatten`).
struct Fields<J> {
    names: core::slice::Iter<'static, &'static str>,
    object: J,
}

impl<J: Json> Fields<J> {
    /// The next field's name and value (outside the generic code, which only calls it).
    #[inline(never)]
    fn next(&mut self) -> Option<(&'static str, J)> {
        let name = *self.names.next()?;
        Some((name, if name == FLATTENED { self.object.clone() } else { self.object.member(name) }))
    }
}

impl<'de, J: Json> SeqAccess<'de> for Fields<J> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        let Some((name, value)) = self.next() else { return Ok(None) };
        match seed.deserialize(De(value)) {
            Ok(v) => Ok(Some(v)),
            Err(e) => Err(at(name, e)),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.names.len())
    }
}

/// An object's members, and the value of the key last read.
struct Obj<J> {
    keys: Seq<J>,
    object: J,
    value: Option<J>,
}

impl<'de, J: Json> MapAccess<'de> for Obj<J> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some(key) = self.keys.next() else { return Ok(None) };
        self.value = Some(self.object.get(&key));
        seed.deserialize(De(key)).map(Some)
    }

    fn next_value_seed<T: de::DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(De(v)),
            None => Err(wrong("a member")),
        }
    }
}

#[cfg(test)]
mod tests {
    use cointent_domain::{
        Page,
        accounts::Account,
        auth::{AuthNonce, AuthSession},
        catalogue::{CatalogueArtisan, CatalogueArtisanDetail, CataloguePartnerDetail},
        chains::ChainInfo,
        error::ErrorBody,
        governance::{GovernanceDelegate, GovernanceProposal, GovernanceProposalDetail},
        metadata::{MetadataDocument, MetadataStored},
        orders::{OrderDetail, OrderSummary},
        transparency::TransparencyRecord,
        treasury::{TreasuryOverview, TreasuryReport},
    };
    use serde_json::{Value, json};

    use super::*;

    /// `serde_json`'s tree, read as the browser's would be (numbers as doubles).
    impl Json for Value {
        fn kind(&self) -> Kind {
            match self {
                Value::Null => Kind::Null,
                Value::Bool(_) => Kind::Bool,
                Value::Number(_) => Kind::Number,
                Value::String(_) => Kind::String,
                Value::Array(_) => Kind::Array,
                Value::Object(_) => Kind::Object,
            }
        }

        fn boolean(&self) -> Option<bool> {
            self.as_bool()
        }

        fn number(&self) -> Option<f64> {
            self.as_f64()
        }

        fn string(&self) -> Option<String> {
            self.as_str().map(str::to_owned)
        }

        fn len(&self) -> u32 {
            self.as_array().map_or(0, |a| a.len() as u32)
        }

        fn index(&self, i: u32) -> Self {
            self[i as usize].clone()
        }

        fn member(&self, name: &str) -> Self {
            self[name].clone()
        }

        fn keys(&self) -> Self {
            self.as_object().map_or(Value::Null, |m| m.keys().cloned().collect())
        }

        fn get(&self, key: &Self) -> Self {
            self[key.as_str().unwrap_or_default()].clone()
        }
    }

    /// Reads a real API answer (`cointent-domain`'s fixtures) both ways.
    fn same<T: DeserializeOwned + PartialEq + fmt::Debug>(fixture: &str) {
        let path = format!(
            "{}/../indexer/domain/tests/fixtures/api/{fixture}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).expect(&path);
        let expected: T = serde_json::from_str(&text).expect(fixture);
        let ours: T = from_json(serde_json::from_str::<Value>(&text).expect(fixture))
            .unwrap_or_else(|e| panic!("{fixture}: {e}"));
        assert_eq!(ours, expected, "{fixture}");
    }

    #[test]
    fn reads_every_answer_the_app_reads_as_serde_json_does() {
        same::<Vec<ChainInfo>>("chains");
        same::<Page<OrderSummary>>("orders_page");
        same::<Page<OrderSummary>>("orders_all");
        same::<Page<OrderSummary>>("account_orders");
        for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12] {
            same::<OrderDetail>(&format!("order_{n}"));
        }
        for n in [1, 3, 5, 6, 8, 9] {
            same::<TransparencyRecord>(&format!("transparency_{n}"));
        }
        for who in [
            "arbiter",
            "backer",
            "partner",
            "promoter",
            "recipient",
            "seller",
            "treasury",
            "unknown",
        ] {
            same::<Account>(&format!("account_{who}"));
        }
        same::<CatalogueArtisanDetail>("artisan");
        same::<CataloguePartnerDetail>("partner");
        same::<Page<CatalogueArtisan>>("artisans");
        same::<Page<GovernanceProposal>>("governance_proposals");
        same::<Page<GovernanceDelegate>>("governance_delegates");
        same::<GovernanceProposalDetail>("proposal_voting");
        same::<GovernanceProposalDetail>("proposal_executed");
        same::<TreasuryOverview>("treasury");
        same::<TreasuryReport>("treasury_report");
        same::<AuthNonce>("auth_nonce");
        same::<AuthSession>("auth_session");
        same::<MetadataStored>("metadata_stored");
        same::<MetadataDocument>("metadata_doc");
        for e in ["err_badkey", "err_limit", "err_notfound", "err_status", "err_unauth"] {
            same::<ErrorBody>(e);
        }
    }

    #[test]
    fn a_missing_or_misshapen_member_is_an_error_naming_it() {
        let mut nonce = json!({"nonce": "ab", "expires_at": "2026-12-01T15:26:30Z"});
        assert!(from_json::<AuthNonce, _>(nonce.clone()).is_ok());
        nonce["nonce"] = json!(7);
        let e = from_json::<AuthNonce, _>(nonce.clone()).unwrap_err().to_string();
        assert!(e.starts_with("nonce: expected"), "{e}");
        nonce.as_object_mut().unwrap().remove("nonce");
        let e = from_json::<AuthNonce, _>(nonce).unwrap_err().to_string();
        assert!(e.starts_with("nonce: expected"), "{e}");
        let e = from_json::<Vec<ChainInfo>, _>(json!({})).unwrap_err().to_string();
        assert_eq!(e, "expected an array");
    }

    #[test]
    fn integers_are_exact_up_to_two_to_the_53() {
        assert_eq!(from_json::<u64, _>(json!(9_007_199_254_740_991_u64)).unwrap(), (1 << 53) - 1);
        assert!(from_json::<u64, _>(json!(1.5)).is_err());
        assert!(from_json::<u64, _>(json!(-1)).is_err());
        assert_eq!(from_json::<i64, _>(json!(-7)).unwrap(), -7);
        assert!(from_json::<u8, _>(json!(256)).is_err());
    }
}
