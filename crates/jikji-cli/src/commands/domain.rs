#[derive(clap::Subcommand)]
pub enum Command {
    List,
}

pub fn run(_cmd: Command) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
