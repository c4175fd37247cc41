//! `ssoexec export`: one retrieval, many sinks.
use crate::app::App;
use crate::cli::ExportArgs;
use crate::error::Error;
use crate::exit::ExitStatus;

pub async fn run(_app: &App, _args: &ExportArgs) -> Result<ExitStatus, Error> {
    Err(Error::Usage("export is being built".into()))
}
