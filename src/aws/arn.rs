//! ARNs: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`. One copy of the field access.

/// The account field of an ARN, if it has one.
pub fn account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    if parts.next() != Some("arn") {
        return None;
    }
    parts.nth(3).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        assert_eq!(
            account("arn:aws:sts::111122223333:assumed-role/deploy/GitHubActions"),
            Some("111122223333")
        );
        assert_eq!(
            account("arn:aws:iam::111122223333:role/x"),
            Some("111122223333")
        );
        assert_eq!(account("nonsense"), None);
        assert_eq!(account("arn:aws:s3:::bucket"), None);
    }
}
