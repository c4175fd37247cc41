//! `ssoexec eks-token` and `ssoexec kubeconfig`.
use crate::app::App;
use crate::cli::{EksTokenArgs, KubeconfigArgs};
use crate::error::Error;
use crate::exit::ExitStatus;

pub async fn eks_token(_app: &App, _args: &EksTokenArgs) -> Result<ExitStatus, Error> {
    Err(Error::Usage("eks-token is being built".into()))
}

pub async fn kubeconfig(_app: &App, _args: &KubeconfigArgs) -> Result<ExitStatus, Error> {
    Err(Error::Usage("kubeconfig is being built".into()))
}
