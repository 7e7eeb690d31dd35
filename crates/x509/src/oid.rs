//! Certificate policy identifiers of any size.
//!
//! const-oid (used by x509-cert) holds arcs of at most 32 bits and refuses a second
//! arc above 39 even under `2`, so it cannot represent a deployment's UUID arc under
//! `2.25` (X.667) or an arc under `2.999`. A deployment's certificate policy OIDs are
//! its own to choose, so they are parsed, encoded and decoded here, with arcs of up to
//! 128 bits. (pkilint's decoder has the same limits, which is why CarePKI's default arc
//! avoids them.)

use der::asn1::AnyRef;
use der::{Decode, Encode, Tag, Tagged};

use crate::X509Error;

/// A dotted OID with arcs of up to 128 bits, and its BER content octets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyOid {
    text: String,
    ber: Vec<u8>,
}

impl PolicyOid {
    /// Parse a dotted OID: at least two arcs of decimal digits without leading zeros,
    /// the first 0, 1 or 2, the second at most 39 under 0 and 1.
    pub fn parse(text: &str) -> Result<Self, X509Error> {
        let bad = |why: &str| X509Error::InvalidValue(format!("\"{text}\" is not an OID: {why}"));
        let arcs: Vec<u128> = text
            .split('.')
            .map(|a| {
                if a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
                    Err(bad("arcs are decimal numbers separated by dots"))
                } else if a.len() > 1 && a.starts_with('0') {
                    Err(bad("arcs have no leading zeros"))
                } else {
                    a.parse::<u128>()
                        .map_err(|_| bad("an arc is larger than 128 bits"))
                }
            })
            .collect::<Result<_, _>>()?;
        if arcs.len() < 2 {
            return Err(bad("an OID has at least two arcs"));
        }
        if arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39) {
            return Err(bad(
                "the first arc is 0, 1 or 2, and the second at most 39 under 0 and 1",
            ));
        }
        let first = (arcs[0] * 40)
            .checked_add(arcs[1])
            .ok_or_else(|| bad("the second arc is too large"))?;
        let mut ber = Vec::new();
        for arc in std::iter::once(first).chain(arcs[2..].iter().copied()) {
            push_base128(&mut ber, arc);
        }
        Ok(Self {
            text: text.to_owned(),
            ber,
        })
    }

    /// The dotted text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The BER content octets (without tag and length).
    pub fn ber(&self) -> &[u8] {
        &self.ber
    }

    /// The full DER TLV of the OID.
    pub fn to_der(&self) -> Vec<u8> {
        tlv(0x06, &self.ber)
    }
}

impl std::fmt::Display for PolicyOid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

fn push_base128(out: &mut Vec<u8>, mut v: u128) {
    let mut tmp = [0u8; 19];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    let last = tmp.len() - 1;
    for (j, b) in tmp.iter().enumerate().skip(i) {
        out.push(if j == last { *b } else { b | 0x80 });
    }
}

/// A DER TLV with a definite length.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// certificatePolicies (RFC 5280 §4.2.1.4) with bare policy identifiers, as DER.
pub fn encode_certificate_policies(policies: &[PolicyOid]) -> Vec<u8> {
    let inner: Vec<u8> = policies
        .iter()
        .flat_map(|p| tlv(0x30, &p.to_der()))
        .collect();
    tlv(0x30, &inner)
}

/// The policy identifiers (BER content octets) of a certificatePolicies value.
pub fn decode_policy_ids(extn_value: &[u8]) -> Result<Vec<Vec<u8>>, X509Error> {
    let malformed = |e: der::Error| X509Error::malformed("certificatePolicies", e);
    let infos: Vec<AnyRef<'_>> = Vec::from_der(extn_value).map_err(malformed)?;
    let mut out = Vec::with_capacity(infos.len());
    for info in infos {
        if info.tag() != Tag::Sequence {
            return Err(X509Error::malformed(
                "certificatePolicies",
                "PolicyInformation is not a SEQUENCE",
            ));
        }
        let der = info.to_der().map_err(malformed)?;
        let fields: Vec<AnyRef<'_>> = Vec::from_der(&der).map_err(malformed)?;
        match fields.first() {
            Some(id) if id.tag() == Tag::ObjectIdentifier && fields.len() <= 2 => {
                out.push(id.value().to_vec());
            }
            _ => {
                return Err(X509Error::malformed(
                    "certificatePolicies",
                    "PolicyInformation must start with the policy OID",
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_const_oid_for_small_arcs() {
        for text in [
            "2.5.29.32.0",
            "1.2.246.10.2048198.10.0",
            "1.3.6.1.5.5.7.3.1",
        ] {
            let ours = PolicyOid::parse(text).unwrap();
            let theirs = const_oid::ObjectIdentifier::new(text).unwrap();
            assert_eq!(ours.ber(), theirs.as_bytes(), "{text}");
        }
    }

    #[test]
    fn encodes_uuid_arcs() {
        // X.667 example UUID OID; the expected octets are what `openssl asn1parse -genstr` writes.
        let oid = PolicyOid::parse("2.25.329800735698586629295641978511506172918").unwrap();
        assert_eq!(
            hex::encode(oid.ber()),
            "6983f09da7ebcfdee0c7a1a7b2c0948cc8f9d776"
        );
    }

    #[test]
    fn rejects_bad_text() {
        for bad in [
            "",
            "1",
            "3.1",
            "1.40",
            "1.02",
            "1..2",
            "a.b",
            "2.25.999999999999999999999999999999999999999999",
        ] {
            assert!(PolicyOid::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn policies_round_trip() {
        let a = PolicyOid::parse("2.25.1").unwrap();
        let b = PolicyOid::parse("2.5.29.32.0").unwrap();
        let der = encode_certificate_policies(&[a.clone(), b.clone()]);
        assert_eq!(
            decode_policy_ids(&der).unwrap(),
            vec![a.ber().to_vec(), b.ber().to_vec()]
        );
    }
}
