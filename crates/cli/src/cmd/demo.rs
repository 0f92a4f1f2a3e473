//! `radar demo`: the server on a fresh embedded store with the shipped topology.

use anyhow::Context;
use radar_server::settings::Settings;
use radar_server::Application;

use crate::cmd::serve::shutdown_signal;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let listen = args.listen.parse().with_context(|| {
        format!(
            "--listen {:?} is not an address; write host:port, e.g. 127.0.0.1:8080",
            args.listen
        )
    })?;
    let dir = tempfile::Builder::new()
        .prefix("radar-demo-")
        .tempdir()
        .context("cannot create a temporary data directory")?;
    let settings = Settings {
        listen,
        data: dir.path().to_path_buf(),
        ..Settings::default()
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async move {
        let app = Application::build(settings).await?;
        println!("Outage Radar demo: http://{}", app.local_addr());
        println!(
            "(embedded store in {}; removed on exit)",
            dir.path().display()
        );
        app.run_until(shutdown_signal()).await
    })
}
