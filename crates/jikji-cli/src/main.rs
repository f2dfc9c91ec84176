//! `jikji`: the command line of the Jikji OCR service.
//!
//! Each subcommand lives in its own module under `commands/`.

use clap::{Parser, Subcommand};

mod commands;

/// Jikji: self-hosted document OCR that speaks NAVER CLOVA OCR's HTTP API.
///
/// Models are read from $JIKJI_MODELS (or --models); install them once with `scripts/setup-models.sh`.
#[derive(Parser)]
#[command(name = "jikji", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run OCR over image or PDF files and print the words (JSON, text or TSV) or write a searchable PDF.
    Ocr(commands::ocr::Args),
    /// Measure accuracy over a ground-truth set (page CER, line CER, detection P/R/F1).
    Eval(commands::eval::Args),
    /// Benchmark Jikji against RapidOCR and Tesseract on the same images.
    Bench(commands::bench::Args),
    /// Run the CLOVA-compatible HTTP service.
    Serve(commands::serve::Args),
    /// Manage domains (invoke URLs and secrets).
    #[command(subcommand)]
    Domain(commands::domain::Command),
    /// Manage Template OCR templates of a template domain (regions from a JSON file).
    #[command(subcommand)]
    Template(commands::template::Command),
    /// Manage web console users (`/console/`) and admin API tokens with roles.
    #[command(subcommand)]
    User(commands::user::Command),
    /// OCR Reader corrections: list them, export them as recogniser training pairs.
    #[command(subcommand)]
    Reader(commands::reader::Command),
    /// Batch jobs over a folder, files or an S3 prefix: run (here, with a progress bar), list,
    /// status, pause, cancel, resume.
    #[command(subcommand)]
    Batch(commands::batch::Command),
    /// A domain's usage per day: calls, pages, transactions, outcomes by code, latency percentiles.
    Usage(commands::usage::Args),
    /// Quota-warning webhooks: the delivery log.
    #[command(subcommand)]
    Webhook(commands::usage::WebhookCommand),
}

fn main() -> std::process::ExitCode {
    // The sandboxed PDF renderer is this binary in a mode of its own (not a subcommand users call): it
    // limits its own memory and CPU before doing anything else, so it is dispatched before argument
    // parsing and logging start (see jikji_image's sandbox module).
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(jikji_image::RENDER_PDF_ARG) {
        let code = jikji_image::render_pdf_main(&args[1..]);
        return std::process::ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ocr(a) => commands::ocr::run(a),
        Command::Eval(a) => commands::eval::run(a),
        Command::Bench(a) => commands::bench::run(a),
        Command::Serve(a) => commands::serve::run(a),
        Command::Domain(c) => commands::domain::run(c),
        Command::Template(c) => commands::template::run(c),
        Command::User(c) => commands::user::run(c),
        Command::Reader(c) => commands::reader::run(c),
        Command::Batch(c) => commands::batch::run(c),
        Command::Usage(a) => commands::usage::run(a),
        Command::Webhook(c) => commands::usage::run_webhook(c),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jikji: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
