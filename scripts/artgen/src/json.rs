//! JSON objects that keep insertion order, written the same way on every run.
//!
//! `serde_json::Map` sorts keys, or keeps insertion order if any crate in the build turns on
//! `preserve_order`: feature unification could silently reorder our files. This type
//! serialises as an object in exactly the order given.

use serde::Serialize;
use serde::ser::SerializeMap;

/// An object whose keys are written in vector order.
#[derive(Debug, Clone)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V: Serialize> Serialize for Ordered<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Pretty JSON (two-space indent) with a final newline.
///
/// # Errors
/// Fails only if a value cannot be serialised, which our plain data types rule out.
pub fn to_pretty<T: Serialize>(value: &T) -> anyhow::Result<String> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}
