//! Random damage to DER for the robustness property tests: flip, insert or
//! remove a byte, or cut the input short.
#![allow(dead_code, unreachable_pub)]

use proptest::prelude::*;

/// One edit of a DER byte string.
#[derive(Debug, Clone)]
pub enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

/// A random edit.
pub fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Remove),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

/// `der` with `edits` applied in order (positions taken modulo the length).
pub fn apply(mut der: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        if der.is_empty() {
            break;
        }
        let n = der.len();
        match *e {
            Edit::Flip(i, b) => der[i % n] ^= b,
            Edit::Insert(i, b) => der.insert(i % (n + 1), b),
            Edit::Remove(i) => {
                der.remove(i % n);
            }
            Edit::Truncate(i) => der.truncate(i % n),
        }
    }
    der
}
