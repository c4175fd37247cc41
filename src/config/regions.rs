//! The regions the AWS SDKs know, by partition: a well-formed region not listed here may be a new
//! one (a warning), a malformed one is an error; both get the nearest known name as a suggestion.
//! Pure data and string checks; no I/O.
//!
//! Generated from botocore 1.43.11 `botocore/data/partitions.json` (the partitions file the AWS
//! SDKs share), 2026-11-28: every `partitions[].regions` key except the `*-global` pseudo-regions.
//! Regenerate with:
//! `python3 -c 'import json,botocore,os; d=json.load(open(os.path.join(os.path.dirname(botocore.__file__),"data/partitions.json"))); [print(r, p["id"]) for p in d["partitions"] for r in sorted(p["regions"]) if not r.endswith("-global")]'`

/// (region, partition).
pub const KNOWN_REGIONS: &[(&str, &str)] = &[
    ("af-south-1", "aws"),
    ("ap-east-1", "aws"),
    ("ap-east-2", "aws"),
    ("ap-northeast-1", "aws"),
    ("ap-northeast-2", "aws"),
    ("ap-northeast-3", "aws"),
    ("ap-south-1", "aws"),
    ("ap-south-2", "aws"),
    ("ap-southeast-1", "aws"),
    ("ap-southeast-2", "aws"),
    ("ap-southeast-3", "aws"),
    ("ap-southeast-4", "aws"),
    ("ap-southeast-5", "aws"),
    ("ap-southeast-6", "aws"),
    ("ap-southeast-7", "aws"),
    ("ca-central-1", "aws"),
    ("ca-west-1", "aws"),
    ("eu-central-1", "aws"),
    ("eu-central-2", "aws"),
    ("eu-north-1", "aws"),
    ("eu-south-1", "aws"),
    ("eu-south-2", "aws"),
    ("eu-west-1", "aws"),
    ("eu-west-2", "aws"),
    ("eu-west-3", "aws"),
    ("il-central-1", "aws"),
    ("me-central-1", "aws"),
    ("me-south-1", "aws"),
    ("mx-central-1", "aws"),
    ("sa-east-1", "aws"),
    ("us-east-1", "aws"),
    ("us-east-2", "aws"),
    ("us-west-1", "aws"),
    ("us-west-2", "aws"),
    ("cn-north-1", "aws-cn"),
    ("cn-northwest-1", "aws-cn"),
    ("eusc-de-east-1", "aws-eusc"),
    ("us-iso-east-1", "aws-iso"),
    ("us-iso-west-1", "aws-iso"),
    ("us-isob-east-1", "aws-iso-b"),
    ("us-isob-west-1", "aws-iso-b"),
    ("eu-isoe-west-1", "aws-iso-e"),
    ("us-isof-east-1", "aws-iso-f"),
    ("us-isof-south-1", "aws-iso-f"),
    ("us-gov-east-1", "aws-us-gov"),
    ("us-gov-west-1", "aws-us-gov"),
];

/// What a region name is, as far as the known list can tell.
#[derive(Debug, PartialEq, Eq)]
pub enum RegionCheck {
    Known,
    /// Well-formed (like `xx-name-1`) but not listed: perhaps newer than this list.
    Unknown {
        nearest: Option<&'static str>,
    },
    /// Not a region name at all.
    Malformed {
        nearest: Option<&'static str>,
    },
}

pub fn check(region: &str) -> RegionCheck {
    if KNOWN_REGIONS.iter().any(|(r, _)| *r == region) {
        return RegionCheck::Known;
    }
    let nearest = nearest(region);
    if well_formed(region) {
        RegionCheck::Unknown { nearest }
    } else {
        RegionCheck::Malformed { nearest }
    }
}

/// The partitions' shape: lower-case words joined by dashes, the last one a number
/// (`eu-west-1`, `us-gov-west-1`, `eusc-de-east-1`).
fn well_formed(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
}

/// The known region closest to `region` (at most two edits away, ignoring case, spaces and `_`).
pub fn nearest(region: &str) -> Option<&'static str> {
    let normal: String = region
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c == ' ' || c == '_' { '-' } else { c })
        .collect();
    KNOWN_REGIONS
        .iter()
        .map(|(r, _)| (strsim::damerau_levenshtein(&normal, r), *r))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, r)| r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_checked_against_the_list() {
        assert_eq!(check("eu-west-1"), RegionCheck::Known);
        assert_eq!(check("us-gov-west-1"), RegionCheck::Known);
        assert_eq!(
            check("eu-wset-1"),
            RegionCheck::Unknown {
                nearest: Some("eu-west-1")
            }
        );
        assert_eq!(
            check("xy-newplace-9"),
            RegionCheck::Unknown { nearest: None }
        );
        assert_eq!(
            check("eu west 1"),
            RegionCheck::Malformed {
                nearest: Some("eu-west-1")
            }
        );
        assert_eq!(
            check("EU-WEST-1"),
            RegionCheck::Malformed {
                nearest: Some("eu-west-1")
            }
        );
        assert_eq!(check(""), RegionCheck::Malformed { nearest: None });
    }
}
