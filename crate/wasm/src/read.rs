//! Inputs read from the plain JS objects themselves, field by field (`Reflect`), instead of as
//! JSON text through serde: each serde-derived input type instantiated serde_json's parser and
//! serde's visitors once more (see README "Where the module's bytes go"). The rules are those
//! the JSON path had: a key the type does not know is refused where the core's type refuses it
//! (`deny_unknown_fields`), a key whose value is `undefined` counts as absent (as
//! `JSON.stringify` drops it), `null` is absent only for optional fields, numbers must be whole
//! where the type is an integer, and every error names the field.

use js_sys::{Array, Object, Reflect};
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use wasm_bindgen::{JsError, JsValue};

/// One plain object being read; it notes each key read, so that a type that refuses unknown
/// keys says so once (`deny_unknown`) and a new field is one line in its reader.
pub struct Obj {
    value: JsValue,
    what: &'static str,
    read: RefCell<Vec<&'static str>>,
    /// How many of the keys read held a value.
    present: Cell<usize>,
}

/// `what.key: message`.
fn bad(what: &str, key: &str, message: &str) -> JsError {
    JsError::new(&format!("{what}.{key}: {message}"))
}

impl Obj {
    /// `value` as an object; `undefined` and `null` read as `{}`.
    pub fn new(value: JsValue, what: &'static str) -> Result<Obj, JsError> {
        let value = if value.is_undefined() || value.is_null() {
            Object::new().into()
        } else if !value.is_object() || Array::is_array(&value) {
            return Err(JsError::new(&format!("{what}: expected an object")));
        } else {
            value
        };
        Ok(Obj {
            value,
            what,
            read: RefCell::new(Vec::new()),
            present: Cell::new(0),
        })
    }

    /// `value`, read from this object, unless it holds a key no reader asked for.
    pub fn strict<T>(&self, value: T) -> Result<T, JsError> {
        self.deny_unknown().map(|()| value)
    }

    /// Refuses a key no reader asked for (serde's `deny_unknown_fields`); a key whose value is
    /// `undefined` is absent.
    pub fn deny_unknown(&self) -> Result<(), JsError> {
        let keys = Object::keys(self.value.unchecked_ref::<Object>());
        // As many own keys as keys read that held a value: nothing to look at by name (one call
        // instead of one per key; objects with `undefined` values take the long way). A key read
        // through the prototype also counts as held, so an object whose prototype carries a field
        // could hide an unknown own key here: the inputs are the extension's own object literals,
        // and this check catches its mistakes, it guards nothing the network sends.
        if keys.length() as usize == self.present.get() {
            return Ok(());
        }
        let read = self.read.borrow();
        for key in keys.iter() {
            let key = key.as_string().unwrap_or_default();
            if !read.contains(&key.as_str()) && !get(&self.value, &key).is_undefined() {
                return Err(JsError::new(&format!(
                    "{}: unknown field `{key}`, expected one of {}",
                    self.what,
                    read.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The field, `None` when absent or `undefined`.
    fn field(&self, key: &'static str) -> Option<JsValue> {
        self.read.borrow_mut().push(key);
        let value = Some(get_static(&self.value, key)).filter(|v| !v.is_undefined());
        self.present
            .set(self.present.get() + usize::from(value.is_some()));
        value
    }

    /// An optional field: absent, `undefined` and `null` are `None`.
    fn opt<T>(
        &self,
        key: &'static str,
        read: impl Fn(&JsValue) -> Option<T>,
        expected: &str,
    ) -> Result<Option<T>, JsError> {
        match self.field(key) {
            None => Ok(None),
            Some(v) if v.is_null() => Ok(None),
            Some(v) => read(&v)
                .map(Some)
                .ok_or_else(|| bad(self.what, key, &format!("expected {expected}"))),
        }
    }

    /// A field with a default: absent and `undefined` give it; `null` is an error.
    fn or<T>(
        &self,
        key: &'static str,
        default: T,
        read: impl Fn(&JsValue) -> Option<T>,
        expected: &str,
    ) -> Result<T, JsError> {
        match self.field(key) {
            None => Ok(default),
            Some(v) => read(&v).ok_or_else(|| bad(self.what, key, &format!("expected {expected}"))),
        }
    }

    /// A field that must be there.
    fn must<T>(
        &self,
        key: &'static str,
        read: impl Fn(&JsValue) -> Option<T>,
        expected: &str,
    ) -> Result<T, JsError> {
        match self.field(key) {
            None => Err(bad(self.what, key, "missing field")),
            Some(v) => read(&v).ok_or_else(|| bad(self.what, key, &format!("expected {expected}"))),
        }
    }

    pub fn string(&self, key: &'static str) -> Result<String, JsError> {
        self.must(key, JsValue::as_string, "a string")
    }

    pub fn opt_string(&self, key: &'static str) -> Result<Option<String>, JsError> {
        self.opt(key, crate::text::as_string, "a string")
    }

    pub fn bool_or(&self, key: &'static str, default: bool) -> Result<bool, JsError> {
        self.or(key, default, JsValue::as_bool, "a boolean")
    }

    pub fn opt_bool(&self, key: &'static str) -> Result<Option<bool>, JsError> {
        self.opt(key, JsValue::as_bool, "a boolean")
    }

    pub fn int(&self, key: &'static str) -> Result<i64, JsError> {
        self.must(key, whole, "a whole number")
    }

    pub fn opt_u32(&self, key: &'static str) -> Result<Option<u32>, JsError> {
        self.opt(
            key,
            |v| whole(v).and_then(|n| u32::try_from(n).ok()),
            "a whole number ≥ 0",
        )
    }

    pub fn u32(&self, key: &'static str) -> Result<u32, JsError> {
        self.must(
            key,
            |v| whole(v).and_then(|n| u32::try_from(n).ok()),
            "a whole number ≥ 0",
        )
    }

    pub fn strings_or_empty(&self, key: &'static str) -> Result<Vec<String>, JsError> {
        self.or(key, Vec::new(), strings, "an array of strings")
    }

    pub fn opt_strings(&self, key: &'static str) -> Result<Option<Vec<String>>, JsError> {
        self.opt(key, strings, "an array of strings")
    }

    /// Each item of an array field as its JSON text (what the core parses itself).
    pub fn opt_json_texts(&self, key: &'static str) -> Result<Option<Vec<String>>, JsError> {
        self.opt(key, json_texts, "an array of plain data")
    }

    pub fn strings(&self, key: &'static str) -> Result<Vec<String>, JsError> {
        self.must(key, strings, "an array of strings")
    }

    /// One of a `named_enum!`'s names (`from_name`, `NAMES`).
    pub fn opt_word<E>(
        &self,
        key: &'static str,
        from_name: fn(&str) -> Option<E>,
        names: &[&str],
    ) -> Result<Option<E>, JsError> {
        let expected = format!("one of {}", names.join(", "));
        match self.opt(key, JsValue::as_string, &expected)? {
            None => Ok(None),
            Some(word) => from_name(&word).map(Some).ok_or_else(|| {
                bad(
                    self.what,
                    key,
                    &format!("unknown variant `{word}`, expected {expected}"),
                )
            }),
        }
    }

    /// An array of objects, each read by `read`; absent is empty.
    pub fn objs_or_empty<T>(
        &self,
        key: &'static str,
        read: fn(JsValue) -> Result<T, JsError>,
    ) -> Result<Vec<T>, JsError> {
        match self.field(key) {
            None => Ok(Vec::new()),
            Some(v) if Array::is_array(&v) => list(v, key, read),
            Some(_) => Err(bad(self.what, key, "expected an array")),
        }
    }

    /// An object field, read by `read` (`null` and absent are `None`).
    pub fn opt_obj<T>(
        &self,
        key: &'static str,
        read: fn(JsValue) -> Result<T, JsError>,
    ) -> Result<Option<T>, JsError> {
        match self.field(key) {
            None => Ok(None),
            Some(v) if v.is_null() => Ok(None),
            Some(v) => read(v).map(Some),
        }
    }
}

thread_local! {
    /// The JS string of each field name read so far, by the address of its text: making it
    /// afresh (UTF-8 to UTF-16 across the boundary) was most of a field's cost.
    static KEYS: RefCell<Vec<(usize, JsValue)>> = const { RefCell::new(Vec::new()) };
}

fn get_static(value: &JsValue, key: &'static str) -> JsValue {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        let at = key.as_ptr() as usize;
        let i = match keys.iter().position(|(p, _)| *p == at) {
            Some(i) => i,
            None => {
                keys.push((at, JsValue::from_str(key)));
                keys.len() - 1
            }
        };
        Reflect::get(value, &keys[i].1).unwrap_or(JsValue::UNDEFINED)
    })
}

/// `value[key]` of any value, `undefined` where there is none: for inputs read leniently, field
/// by field, where a field of the wrong type is the core's to judge (`inputs::added_row`).
pub fn field_of(value: &JsValue, key: &'static str) -> JsValue {
    if value.is_object() {
        get_static(value, key)
    } else {
        JsValue::UNDEFINED
    }
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A number with no fraction that an `i64` holds exactly (JSON's integers, as serde_json read them).
fn whole(v: &JsValue) -> Option<i64> {
    let n = v.as_f64()?;
    (n.is_finite() && n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0).then_some(n as i64)
}

fn strings(v: &JsValue) -> Option<Vec<String>> {
    if !Array::is_array(v) {
        return None;
    }
    Array::from(v).iter().map(|s| s.as_string()).collect()
}

/// Each item of an array as its JSON text; `None` when `v` is not an array of plain data.
pub fn json_texts(v: &JsValue) -> Option<Vec<String>> {
    if !Array::is_array(v) {
        return None;
    }
    Array::from(v)
        .iter()
        .map(|item| js_sys::JSON::stringify(&item).ok()?.as_string())
        .collect()
}

/// An array of objects, each read by `read`; `undefined` and `null` are empty.
pub fn list<T>(
    value: JsValue,
    what: &str,
    read: impl Fn(JsValue) -> Result<T, JsError>,
) -> Result<Vec<T>, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(&value) {
        return Err(JsError::new(&format!("{what}: expected an array")));
    }
    Array::from(&value).iter().map(read).collect()
}
