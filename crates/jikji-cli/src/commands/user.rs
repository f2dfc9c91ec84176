//! `jikji user …`: console accounts and admin API tokens, straight in the database (the same one
//! `jikji serve` uses), so the first admin can be made before the server runs. Every change is
//! written to the audit log as actor `cli`.
//!
//! Passwords are never arguments (they would sit in the shell history and in `ps`): they are read
//! from the terminal without echo, or as the first line of standard input when it is not a terminal.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use anyhow::{bail, Context as _};
use jikji_store::{NewUser, Role, UserPatch};
use serde_json::json;

use super::domain::{open, Common};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create a console user (asks for the password; from a pipe: its first line).
    Create {
        #[arg(long)]
        username: String,
        /// admin (everything), operator (templates, try-it, usage; no secrets, no users), viewer (read-only).
        #[arg(long, value_parser = parse_role, default_value = "admin")]
        role: Role,
        /// Restrict to these domain ids (comma-separated); default: all domains.
        #[arg(long, value_delimiter = ',', value_name = "IDS")]
        domains: Option<Vec<i64>>,
        #[command(flatten)]
        common: Common,
    },
    /// List the console users.
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Delete a console user (ends its sessions).
    Delete {
        username: String,
        #[command(flatten)]
        common: Common,
    },
    /// Set a user's password (asks for it; from a pipe: its first line). Ends the user's sessions.
    Passwd {
        username: String,
        #[command(flatten)]
        common: Common,
    },
    /// Admin API tokens carrying a role (`Authorization: Bearer jkt_…`).
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token; prints it once (only its hash is kept).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long, value_delimiter = ',', value_name = "IDS")]
        domains: Option<Vec<i64>>,
        #[command(flatten)]
        common: Common,
    },
    /// List tokens (never their values).
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Delete a token by id.
    Delete {
        id: i64,
        #[command(flatten)]
        common: Common,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
        .map_err(|e: jikji_store::StoreError| e.to_string())
}

/// Reads a password: from the terminal without echo (asked twice), else the first line of stdin;
/// checked against the store's password rules before anything is written.
fn read_password() -> anyhow::Result<String> {
    let password = read_password_text()?;
    jikji_store::check_password(&password)?;
    Ok(password)
}

fn read_password_text() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let ask = |prompt: &str| -> anyhow::Result<String> {
        eprint!("{prompt}");
        std::io::stderr().flush().ok();
        let _ = std::process::Command::new("stty").arg("-echo").status();
        let mut line = String::new();
        let r = stdin.lock().read_line(&mut line);
        let _ = std::process::Command::new("stty").arg("echo").status();
        eprintln!();
        r.context("reading the password")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    };
    let a = ask("Password: ")?;
    let b = ask("Again: ")?;
    if a != b {
        bail!("the two passwords differ");
    }
    Ok(a)
}

fn domains_text(d: &Option<Vec<i64>>) -> String {
    match d {
        None => "all".into(),
        Some(ids) => ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
    }
}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run_async(cmd))
}

async fn run_async(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Create {
            username,
            role,
            domains,
            common,
        } => {
            let store = open(&common).await?;
            jikji_store::check_account_name(username.trim())?;
            let password = read_password()?;
            let u = store
                .create_user(NewUser {
                    username,
                    password,
                    role,
                    domains,
                })
                .await?;
            store
                .audit("cli", "user create", &format!("user:{}", u.username), 0)
                .await?;
            if common.json {
                println!("{}", serde_json::to_string_pretty(&u)?);
            } else {
                println!(
                    "created user {} (id {}, role {}, domains {})",
                    u.username,
                    u.id,
                    u.role,
                    domains_text(&u.domains)
                );
                println!(
                    "log in at {}/console/",
                    common.public_url.trim_end_matches('/')
                );
            }
        }
        Command::List { common } => {
            let store = open(&common).await?;
            let users = store.list_users().await?;
            if common.json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                println!("{:<6} {:<24} {:<9} domains", "id", "username", "role");
                for u in users {
                    println!(
                        "{:<6} {:<24} {:<9} {}",
                        u.id,
                        u.username,
                        u.role,
                        domains_text(&u.domains)
                    );
                }
            }
        }
        Command::Delete { username, common } => {
            let store = open(&common).await?;
            let Some(u) = store.get_user_by_name(&username).await? else {
                bail!("no user {username:?}");
            };
            store.delete_user(u.id).await?;
            store
                .audit("cli", "user delete", &format!("user:{}", u.username), 0)
                .await?;
            if common.json {
                println!("{}", json!({"deleted": u.id}));
            } else {
                println!("deleted user {}", u.username);
            }
        }
        Command::Passwd { username, common } => {
            let store = open(&common).await?;
            let Some(u) = store.get_user_by_name(&username).await? else {
                bail!("no user {username:?}");
            };
            let password = read_password()?;
            store
                .update_user(
                    u.id,
                    UserPatch {
                        password: Some(password),
                        ..Default::default()
                    },
                )
                .await?;
            store
                .audit("cli", "user passwd", &format!("user:{}", u.username), 0)
                .await?;
            if !common.json {
                println!("password of {} changed; its sessions ended", u.username);
            }
        }
        Command::Token(TokenCommand::Create {
            name,
            role,
            domains,
            common,
        }) => {
            let store = open(&common).await?;
            let t = store.create_token(&name, role, domains).await?;
            store
                .audit("cli", "token create", &format!("token:{}", t.token.name), 0)
                .await?;
            if common.json {
                println!("{}", serde_json::to_string_pretty(&t)?);
            } else {
                println!(
                    "token {} (id {}, role {}, domains {})",
                    t.token.name,
                    t.token.id,
                    t.token.role,
                    domains_text(&t.token.domains)
                );
                println!("Authorization: Bearer {}", t.secret);
                println!("(shown only now)");
            }
        }
        Command::Token(TokenCommand::List { common }) => {
            let store = open(&common).await?;
            let tokens = store.list_tokens().await?;
            if common.json {
                println!("{}", serde_json::to_string_pretty(&tokens)?);
            } else {
                println!("{:<6} {:<24} {:<9} domains", "id", "name", "role");
                for t in tokens {
                    println!(
                        "{:<6} {:<24} {:<9} {}",
                        t.id,
                        t.name,
                        t.role,
                        domains_text(&t.domains)
                    );
                }
            }
        }
        Command::Token(TokenCommand::Delete { id, common }) => {
            let store = open(&common).await?;
            if !store.delete_token(id).await? {
                bail!("no token {id}");
            }
            store
                .audit("cli", "token delete", &format!("token id {id}"), 0)
                .await?;
            if !common.json {
                println!("deleted token {id}");
            }
        }
    }
    Ok(())
}
