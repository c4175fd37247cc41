//! `exec-credential`: a Kubernetes ExecCredential with an EKS token for `--cluster-name`, the same
//! document `ssoexec eks-token` prints, signed from the run's one retrieval. Pure: the signing
//! time is the context's `now`.
use super::{Format, OutputContext, OutputError};
use crate::kube::{ApiVersion, exec_credential_document};
use std::io::Write;

pub struct ExecCredential {
    pub cluster: Option<String>,
    pub api_version: ApiVersion,
}

impl Format for ExecCredential {
    fn write(&self, ctx: &OutputContext<'_>, out: &mut dyn Write) -> Result<(), OutputError> {
        let missing = |why: &str| OutputError::Missing {
            format: "exec-credential",
            why: why.into(),
        };
        let cluster = self
            .cluster
            .as_deref()
            .ok_or_else(|| missing("needs --cluster-name"))?;
        let region = ctx.region.ok_or_else(|| {
            missing("needs a region (--region, AWS_REGION or the profile's region)")
        })?;
        let doc =
            exec_credential_document(ctx.credentials, region, cluster, self.api_version, ctx.now)
                .map_err(|e| missing(&format!("could not sign the EKS token: {e}")))?;
        out.write_all(&doc)?;
        Ok(())
    }
}
