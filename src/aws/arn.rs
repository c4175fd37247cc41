//! ARNs: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`. One copy of the field access.

/// The account field of an ARN, if it has one.
pub fn account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    if parts.next() != Some("arn") {
        return None;
    }
    parts.nth(3).filter(|a| !a.is_empty())
}

/// The role name of an IAM role ARN (`arn:aws:iam::1:role/path/Name` → `Name`).
pub fn role_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("role/")?;
    path.rsplit('/').next().filter(|n| !n.is_empty())
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
        assert_eq!(
            role_name("arn:aws:iam::1:role/path/to/Deployer"),
            Some("Deployer")
        );
        assert_eq!(role_name("arn:aws:iam::1:user/me"), None);
    }
}
