//! `jikji template …`: Template OCR templates of a template domain. Like `jikji domain`, talks to the
//! database directly (the one `jikji serve` uses); `create` and `test` read the image with the engine
//! here. The regions come from a JSON file (the `template` object of the admin API, docs/api.md).

use std::path::PathBuf;

use anyhow::{bail, Context as _};
use jikji_store::{Store, TemplateInfo};
use jikji_template::{Template, TemplateDef, TemplateSet};

use super::domain::Common;

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Create a template (version 1, a draft) from a sample image and a regions file.
    Create {
        #[command(flatten)]
        common: Common,
        /// The template domain's id.
        #[arg(long)]
        domain: i64,
        /// Regions (JSON): {"name", "title"?, "fields": [{"name", "region": {x,y,width,height}, …}]}.
        #[arg(long, value_name = "FILE")]
        regions: PathBuf,
        /// The sample image (any supported format; PDF page 1).
        #[arg(long, value_name = "IMAGE")]
        sample: PathBuf,
    },
    /// Add a new draft version of a template: new regions, a new sample, or both (the other is kept
    /// from the newest version). The released version keeps serving until `release`.
    Update {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        domain: i64,
        template: i64,
        /// New regions (JSON, as for `create`); default: the newest version's.
        #[arg(long, value_name = "FILE")]
        regions: Option<PathBuf>,
        /// A new sample image; default: the newest version's (its stored OCR result is reused).
        #[arg(long, value_name = "IMAGE")]
        sample: Option<PathBuf>,
    },
    /// List the domain's templates.
    List {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        domain: i64,
    },
    /// Show a template: versions, the newest regions, the history.
    Show {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        domain: i64,
        template: i64,
    },
    /// Match an image against one version of a template (default: the newest) and print what it reads.
    Test {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        domain: i64,
        template: i64,
        image: PathBuf,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Release a version (default: the newest) to `/infer`.
    Release {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        domain: i64,
        template: i64,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Serve again the version released before the current one.
    Rollback {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        domain: i64,
        template: i64,
    },
    /// Delete a template with its versions and history.
    Delete {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        domain: i64,
        template: i64,
    },
}

pub fn run(cmd: Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(run_async(cmd))
}

/// Reads the first page of an image file with the engine.
fn read_image(path: &PathBuf) -> anyhow::Result<(Vec<u8>, jikji_types::PageResult, image::RgbImage)> {
    let engine = super::ocr::load_engine(None, None, true, Default::default(), super::ocr::Cpu::workers(1), Default::default())?;
    read_image_with(&engine, path)
}

/// [`read_image`] with an engine already loaded.
fn read_image_with(
    engine: &jikji_engine::Engine,
    path: &PathBuf,
) -> anyhow::Result<(Vec<u8>, jikji_types::PageResult, image::RgbImage)> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let mut opts = super::ocr::pipeline_options(Default::default());
    opts.pages = jikji_pipeline::Pages::First;
    let mut out = None;
    jikji_pipeline::run(engine, &bytes, None, &opts, &jikji_types::Cancel::new(), |p| {
        out = Some((p.reported(), (*p.image).clone()))
    })
    .with_context(|| format!("reading {}", path.display()))?;
    let (page, img) = out.context("the image has no page")?;
    Ok((bytes, page, img))
}

/// A regions file (the admin API's `template` object).
fn read_regions(path: &PathBuf) -> anyhow::Result<TemplateDef> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not a template description", path.display()))
}

/// A sample image read with the engine and stored under the data directory → (OCR result, image,
/// SHA-256).
fn read_sample(common: &Common, path: &PathBuf) -> anyhow::Result<(jikji_types::PageResult, image::RgbImage, String)> {
    let (bytes, page, img) = read_image(path)?;
    let sha = jikji_server::templates::store_sample(&common.data_dir, &bytes).context("storing the sample image")?;
    Ok((page, img, sha))
}

fn print_info(t: &TemplateInfo, json: bool) {
    if json {
        println!("{}", serde_json::to_string(t).unwrap_or_default());
    } else {
        let released = t.released_version.map_or("none".to_string(), |v| v.to_string());
        println!(
            "{}\t{}\tlatest v{}\treleased {}",
            t.id, t.name, t.latest_version, released
        );
    }
}

async fn info(store: &Store, domain: i64, id: i64) -> anyhow::Result<TemplateInfo> {
    store
        .get_template(domain, id)
        .await?
        .with_context(|| format!("no template {id} in domain {domain}"))
}

async fn run_async(cmd: Command) -> anyhow::Result<()> {
    match cmd {
        Command::Create {
            common,
            domain,
            regions,
            sample,
        } => {
            let def = read_regions(&regions)?;
            let store = super::domain::open(&common).await?;
            let (page, img, sha) = read_sample(&common, &sample)?;
            let new = jikji_server::templates::new_version(def, &page, &img, sha)
                .map_err(|e| anyhow::anyhow!("{}: {e}", regions.display()))?;
            let t = store.create_template(domain, new).await?;
            print_info(&t, common.json);
        }
        Command::Update {
            common,
            domain,
            template,
            regions,
            sample,
        } => {
            if regions.is_none() && sample.is_none() {
                bail!("nothing to update: give --regions, --sample or both");
            }
            let store = super::domain::open(&common).await?;
            let t = info(&store, domain, template).await?;
            let newest = store
                .template_version(template, t.latest_version)
                .await?
                .with_context(|| format!("template {template} has no version {}", t.latest_version))?;
            let def: TemplateDef = match &regions {
                Some(path) => read_regions(path)?,
                None => serde_json::from_str(&newest.definition).context("the stored regions are unreadable")?,
            };
            let (page, img, sha) = match &sample {
                Some(path) => read_sample(&common, path)?,
                None => {
                    let (page, img) = jikji_server::templates::load_stored_sample(
                        &common.data_dir,
                        &newest.sample_sha256,
                        &newest.sample_page,
                        &Default::default(),
                    )
                    .map_err(|msg| anyhow::anyhow!("{msg} (data directory {})", common.data_dir.display()))?;
                    (page, img, newest.sample_sha256)
                }
            };
            let new = jikji_server::templates::new_version(def, &page, &img, sha)
                .map_err(|e| anyhow::anyhow!("the new version: {e}"))?;
            let t = store
                .update_template(domain, template, new)
                .await?
                .with_context(|| format!("no template {template} in domain {domain}"))?;
            print_info(&t, common.json);
        }
        Command::List { common, domain } => {
            let store = super::domain::open(&common).await?;
            for t in store.list_templates(domain).await? {
                print_info(&t, common.json);
            }
        }
        Command::Show {
            common,
            domain,
            template,
        } => {
            let store = super::domain::open(&common).await?;
            let t = info(&store, domain, template).await?;
            let v = store
                .template_version(template, t.latest_version)
                .await?
                .context("no version")?;
            let history = store.template_history(template).await?;
            if common.json {
                let def: serde_json::Value = serde_json::from_str(&v.definition).unwrap_or_default();
                println!(
                    "{}",
                    serde_json::json!({"template": t, "definition": def, "history": history})
                );
            } else {
                print_info(&t, false);
                println!("{}", v.definition);
                for e in history {
                    println!(
                        "{}\t{}\tv{}",
                        e.at,
                        e.action,
                        e.version.map_or("-".into(), |v| v.to_string())
                    );
                }
            }
        }
        Command::Test {
            common,
            domain,
            template,
            image,
            version,
        } => {
            let store = super::domain::open(&common).await?;
            let t = info(&store, domain, template).await?;
            let version = version.unwrap_or(t.latest_version);
            let v = store
                .template_version(template, version)
                .await?
                .with_context(|| format!("template {template} has no version {version}"))?;
            let built: Template = serde_json::from_str(&v.built).context("stored template")?;
            let engine = super::ocr::load_engine(None, None, true, Default::default(), super::ocr::Cpu::workers(1), Default::default())?;
            let (_, page, img) = read_image_with(&engine, &image)?;
            let img = std::sync::Arc::new(img);
            let set = TemplateSet::new(vec![built]);
            let Some(m) = set.score_one(0, &page) else {
                bail!("no anchor of the template was found on the image");
            };
            println!(
                "score {:.2} (minimum {:.2}{}): {}",
                m.score,
                jikji_template::MIN_SCORE,
                if m.title_found { ", or the title and one more anchor: title found" } else { "" },
                if m.accepted() { "matched" } else { "would not match" }
            );
            let cancel = jikji_types::Cancel::new();
            let opts = jikji_engine::OcrOptions::default();
            let rereader = jikji_server::templates::Rereader { engine: &engine, opts: &opts, cancel: &cancel };
            let fields = jikji_template::read_fields_with(&set.templates[0], &m, &page, &img, &mut |q| rereader.read(&img, q));
            for f in fields {
                match f.checked {
                    Some(c) => println!("{}\t{}", f.name, if c { "checked" } else { "unchecked" }),
                    None => println!("{}\t{}\t{:.2}", f.name, f.text.replace('\n', "\\n"), f.confidence),
                }
            }
        }
        Command::Release {
            common,
            domain,
            template,
            version,
        } => {
            let store = super::domain::open(&common).await?;
            let t = store
                .release_template(domain, template, version)
                .await?
                .with_context(|| format!("no template {template} in domain {domain}"))?;
            print_info(&t, common.json);
        }
        Command::Rollback {
            common,
            domain,
            template,
        } => {
            let store = super::domain::open(&common).await?;
            let t = store
                .rollback_template(domain, template)
                .await?
                .with_context(|| format!("no template {template} in domain {domain}"))?;
            print_info(&t, common.json);
        }
        Command::Delete {
            common,
            domain,
            template,
        } => {
            let store = super::domain::open(&common).await?;
            if !store.delete_template(domain, template).await? {
                bail!("no template {template} in domain {domain}");
            }
        }
    }
    Ok(())
}
