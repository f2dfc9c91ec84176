"""Fine-tune the Korean line recogniser's output layer (CPU, numpy) from korean-rec-v1.

    python3 training/finetune.py --train DIR --eval DIR [--corrections DIR --mix 0.5] --out OUT
                                 [--steps 300] [--jikji target/release/jikji]

Head fine-tuning: the backbone (CNN + 2 BiLSTMs, 2.6M weights) stays frozen; it runs once over every
training line in onnxruntime (a copy of the graph that also outputs the features feeding the fc layer),
then only the fc layer (W [352, 2570], b [2570]) is trained with a numpy CTC loss (training/ctc.py),
Adam, and an L2 pull towards v1's weights. The exported model is v1's ONNX with those two initializers
replaced: same inputs, outputs and charset.

Data: DIR/NAME.png|jpg + DIR/NAME.txt pairs (what synth.py writes, and the format of user corrections:
a line crop and its corrected text). Each batch takes a --mix share of correction lines; corrections
are also augmented (--correction-copies degraded copies each, synth.py's degradations).
Writes OUT/model.onnx, charset.txt, train.log, eval.json, README.md, SHA256SUMS.
"""

import argparse
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import time

import numpy as np
import onnx
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import synth  # noqa: E402
from ctc import ctc_loss_grad  # noqa: E402

# Defaults, not swept. One CPU run (3,000 synthetic lines, 600 steps, synthetic data only) left held-out
# synthetic CER unchanged within noise (v1 31 errors / 6,423 chars, new 36; exact lines 93.3% -> 93.7%):
LR = 3e-4             # Adam step, small: the head starts at v1's optimum and should move only a little
L2_PULL = 1e-2        # weight of 0.5 * ||theta - theta_v1||^2: the gradient of a class absent from the
                      # batches is only this pull, so rare syllables stay where v1 had them
BATCH = 16            # lines per step: ~1,500 time steps, ~0.3 s per step on 2 cores
MIX = 0.5             # share of correction lines in a batch when --corrections is given: half the signal
                      # from the user's lines, half from synthetic text so the rest is not forgotten
CORRECTION_COPIES = 4  # a correction line and 3 degraded copies: few real lines, more variation
BETAS = (0.9, 0.999)
EPS = 1e-8
IMAGE_EXTS = (".png", ".jpg", ".jpeg")


class Log:
    def __init__(self, path):
        self.f = open(path, "a", encoding="utf-8")

    def __call__(self, *msg):
        line = " ".join(str(m) for m in msg)
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()


def read_pairs(folder):
    """(image path, raw text) of a folder's lines, in either layout:
    - the OCR Reader's export unpacked (`jikji reader export -o pairs.tar`, `tar xf pairs.tar -C DIR`):
      `DIR/labels.tsv`, one `images/ID.png<TAB>label` line per crop;
    - otherwise every image with a same-named .txt next to it (what synth.py writes)."""
    labels = os.path.join(folder, "labels.tsv")
    if os.path.exists(labels):
        pairs = []
        with open(labels, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line:
                    continue
                rel, sep, text = line.partition("\t")
                if not sep:
                    raise SystemExit(f"{labels}:{n}: not `image<TAB>label`")
                pairs.append((os.path.join(folder, rel), text))
        return pairs
    pairs = []
    for p in sorted(glob.glob(os.path.join(folder, "*"))):
        stem, ext = os.path.splitext(p)
        if ext.lower() in IMAGE_EXTS and os.path.exists(stem + ".txt"):
            with open(stem + ".txt", encoding="utf-8") as f:
                pairs.append((p, f.read()))
    return pairs


def load_lines(folder, c2i, log, copies=1, seed=0):
    """Model inputs and class ids of a folder's lines; lines with characters outside the charset or too
    long for their width (CTC infeasible) are skipped with a note. copies > 1 adds degraded copies."""
    xs, ids, texts, skipped = [], [], [], []
    for n, (path, raw) in enumerate(read_pairs(folder)):
        text = common.normalise(raw)
        lab = common.encode(text, c2i)
        if not text or lab is None:
            bad = "".join(sorted({c for c in text if c not in c2i}))
            skipped.append(f"{os.path.basename(path)}: characters outside the charset {bad!r}" if text
                           else f"{os.path.basename(path)}: empty text")
            continue
        img = Image.open(path)
        img.load()
        for k in range(copies):
            im = img
            if k > 0:
                g = img.convert("L")
                paper = int(np.percentile(np.asarray(g), 90))
                im = synth.degrade(np.random.default_rng([seed, 2, n, k]), g, paper)
            x = common.to_input(im)
            if not common.ctc_feasible(x.shape[-1] // common.STRIDE, lab):
                skipped.append(f"{os.path.basename(path)}: text too long for the line width")
                break
            xs.append(x)
            ids.append(lab)
            texts.append(text)
    for s in skipped[:20]:
        log("  skipped", s)
    if len(skipped) > 20:
        log(f"  ... and {len(skipped) - 20} more skipped")
    return xs, ids, texts


def load_corrections(folders, c2i, log, copies, seed):
    """load_lines over every corrections folder (none: nothing)."""
    xs, ids, texts = [], [], []
    for k, folder in enumerate(folders or []):
        x, i, t = load_lines(folder, c2i, log, copies, seed + k)
        xs += x
        ids += i
        texts += t
    return xs, ids, texts


def evaluate(model, xs, texts, charset):
    """CER (non-space characters, normalised, as `jikji eval` counts) and exact-line share of a model
    (ONNX path or ModelProto) over lines, greedy decoding in onnxruntime."""
    (logits,) = common.run_batched(common.session(model), xs, ["logits"])
    errors = chars = exact = 0
    preds = []
    for lg, gt in zip(logits, texts):
        pred = common.greedy_decode(lg, charset)
        e, n = common.cer_counts(gt, pred)
        errors, chars, exact = errors + e, chars + n, exact + (common.normalise(pred) == gt)
        preds.append(pred)
    return {"lines": len(texts), "cer": errors / max(chars, 1), "errors": errors, "gt_chars": chars,
            "exact_lines": exact / max(len(texts), 1)}, preds


def train(feats, ids, corr_feats, corr_ids, W0, b0, a, log):
    rng = np.random.default_rng(a.seed)
    W, b = W0.copy(), b0.copy()
    params = [W, b]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    n_corr = int(round(a.batch * a.mix)) if corr_feats else 0
    t0 = time.time()
    for step in range(1, a.steps + 1):
        pick = [(feats, ids, i) for i in rng.integers(len(feats), size=a.batch - n_corr)] + \
               [(corr_feats, corr_ids, i) for i in rng.integers(len(corr_feats) or 1, size=n_corr)]
        F = np.concatenate([f[i] for f, _, i in pick])
        logits = F @ W + b
        grads, losses, start = np.zeros_like(logits), [], 0
        for f, lab, i in pick:
            T = f[i].shape[0]
            loss, g = ctc_loss_grad(logits[start:start + T], lab[i])
            if g is not None:
                grads[start:start + T] = g
                losses.append(loss)
            start += T
        grads /= len(pick)
        gW = F.T @ grads + a.l2_pull * (W - W0)
        gb = grads.sum(0) + a.l2_pull * (b - b0)
        for k, (p, g) in enumerate(zip(params, (gW, gb))):
            m[k] = BETAS[0] * m[k] + (1 - BETAS[0]) * g
            v[k] = BETAS[1] * v[k] + (1 - BETAS[1]) * g * g
            mh = m[k] / (1 - BETAS[0] ** step)
            vh = v[k] / (1 - BETAS[1] ** step)
            p -= a.lr * mh / (np.sqrt(vh) + EPS)
        if step == 1 or step % a.log_every == 0 or step == a.steps:
            drift = float(np.sqrt(((W - W0) ** 2).sum() + ((b - b0) ** 2).sum()))
            log(f"step {step:5d}  ctc {np.mean(losses):.4f}  |theta-v1| {drift:.4f}  {time.time() - t0:.1f}s")
    return W, b


def jikji_eval(binary, models, korean_dir, gt, out_json, log):
    env = dict(os.environ, JIKJI_MODELS=models)
    cmd = [binary, "eval", "--gt", gt, "--korean-model", korean_dir, "--format", "json", "--quiet",
           "--out", out_json]
    log("  $", " ".join(cmd))
    t0 = time.time()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        log(r.stdout[-2000:], r.stderr[-2000:])
        raise SystemExit(f"jikji eval failed (exit {r.returncode})")
    with open(out_json, encoding="utf-8") as f:
        rep = json.load(f)
    rep = rep["sets"][0] if "sets" in rep else rep
    ex = rep["overall"]["exact"]
    res = {"set": rep.get("set"), "images": rep["overall"]["images"], "seconds": round(time.time() - t0, 1)}
    for k in ("page", "line"):
        if ex.get(k):
            res[f"{k}_cer"] = ex[k]["errors"] / max(ex[k]["gt_chars"], 1)
            res[f"{k}_gt_chars"] = ex[k]["gt_chars"]
    return res


def pct(x):
    return f"{100 * x:.2f}%"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True, help="synthetic training lines (synth.py --split train)")
    ap.add_argument("--eval", required=True, help="held-out lines (synth.py --split eval)")
    ap.add_argument("--corrections", nargs="+", metavar="DIR",
                    help="user corrections, one or more folders: the OCR Reader's export unpacked "
                         "(labels.tsv + images/) or NAME.png|jpg + NAME.txt pairs")
    ap.add_argument("--mix", type=float, default=MIX, help="share of correction lines per batch")
    ap.add_argument("--correction-copies", type=int, default=CORRECTION_COPIES)
    ap.add_argument("--base", default=common.V1_DIR, help="model to start from (model.onnx + charset.txt)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--lr", type=float, default=LR)
    ap.add_argument("--l2-pull", type=float, default=L2_PULL)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log-every", type=int, default=25)
    ap.add_argument("--jikji", help="jikji binary: also run `jikji eval` with v1 and the new model")
    ap.add_argument("--jikji-models", default=os.path.join(common.REPO, "models"))
    ap.add_argument("--jikji-gt", action="append",
                    help="GT for jikji eval (repeatable) [default: korean_real and korean_photos of the testdata]")
    a = ap.parse_args()

    os.makedirs(a.out, exist_ok=True)
    if os.path.exists(os.path.join(a.out, "train.log")):
        os.remove(os.path.join(a.out, "train.log"))
    log = Log(os.path.join(a.out, "train.log"))
    log("finetune:", " ".join(sys.argv[1:]))
    base_model = os.path.join(a.base, "model.onnx")
    base_charset = os.path.join(a.base, "charset.txt")
    charset = common.load_charset(base_charset)
    c2i = common.char_to_class(charset)
    v1 = onnx.load(base_model)
    W0, b0 = common.head_weights(v1)
    feat_name = common.find_head(v1)[0]
    log(f"base {base_model} sha256 {common.sha256_file(base_model)}; head {feat_name} @ W{list(W0.shape)} + b")

    t0 = time.time()
    xs, ids, _ = load_lines(a.train, c2i, log)
    cx, cids, ctexts = load_corrections(a.corrections, c2i, log, a.correction_copies, a.seed)
    ex, _, etexts = load_lines(a.eval, c2i, log)
    if not xs:
        raise SystemExit(f"no training lines in {a.train}")
    log(f"data: {len(xs)} synthetic lines, {len(cx)} correction lines (with copies), {len(ex)} eval lines "
        f"({time.time() - t0:.1f}s)")

    t0 = time.time()
    fsess = common.session(common.feature_model(v1))
    (feats,) = common.run_batched(fsess, xs, [feat_name])
    (cfeats,) = common.run_batched(fsess, cx, [feat_name]) if cx else ([],)
    log(f"features: {sum(f.shape[0] for f in feats) + sum(f.shape[0] for f in cfeats)} time steps "
        f"({time.time() - t0:.1f}s)")

    W, b = train(feats, ids, cfeats, cids, W0, b0, a, log)

    out_model = os.path.join(a.out, "model.onnx")
    new = common.with_head(v1, W, b)
    new.metadata_props.add(key="jikji.finetuned_from", value=common.sha256_file(base_model))
    new.metadata_props.add(key="jikji.finetune", value=f"head only; steps {a.steps}; seed {a.seed}")
    onnx.save(new, out_model)
    shutil.copyfile(base_charset, os.path.join(a.out, "charset.txt"))
    log(f"exported {out_model}")

    results = {"synthetic_eval": {}, "corrections_seen_in_training": {}, "jikji_eval": []}
    evaluate_models(a, base_model, out_model, (ex, etexts), (cx, ctexts), charset, results, log)

    with open(os.path.join(a.out, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    write_readme(a, results, len(xs), len(cx), len(ex), base_model)
    write_sums(a.out)
    log("done:", a.out)


def evaluate_models(a, base_model, out_model, held_out, corrections, charset, results, log):
    """v1 (`base_model`) against the new model: the held-out synthetic lines, the corrections' originals
    (seen in training) and, with --jikji, `jikji eval` on the real sets; logged and put into `results`."""
    ex, etexts = held_out
    cx, ctexts = corrections
    t0 = time.time()
    for name, model in (("v1", base_model), ("new", out_model)):
        results["synthetic_eval"][name], preds = evaluate(model, ex, etexts, charset)
        if cx:
            n = len(cx) // a.correction_copies  # originals only: copy 0 of each
            orig = list(range(0, len(cx), a.correction_copies))[:n]
            results["corrections_seen_in_training"][name], _ = evaluate(
                model, [cx[i] for i in orig], [ctexts[i] for i in orig], charset)
    for name in ("v1", "new"):
        r = results["synthetic_eval"][name]
        log(f"held-out synthetic ({r['lines']} lines, held-out fonts): {name} CER {pct(r['cer'])}, "
            f"exact lines {pct(r['exact_lines'])}")
        if cx:
            r = results["corrections_seen_in_training"][name]
            log(f"corrections (seen in training): {name} CER {pct(r['cer'])}, exact lines {pct(r['exact_lines'])}")
    for gt, pred in list(zip(etexts, preds))[:5]:
        log(f"  sample: {gt!r} -> {pred!r}")
    log(f"eval ({time.time() - t0:.1f}s)")

    if a.jikji:
        td = os.path.join(os.path.dirname(common.REPO), "shared", "testdata")
        gts = a.jikji_gt or [os.path.join(td, "korean_real"), os.path.join(td, "korean_photos")]
        for gt in gts:
            for name, kdir in (("v1", a.base), ("new", a.out)):
                setname = os.path.basename(os.path.normpath(gt))
                r = jikji_eval(a.jikji, a.jikji_models, os.path.abspath(kdir), gt,
                               os.path.join(a.out, f"jikji-eval-{setname}-{name}.json"), log)
                r["model"] = name
                results["jikji_eval"].append(r)
                log(f"jikji eval {setname} {name}: " + ", ".join(
                    f"{k} {pct(r[k])}" for k in ("page_cer", "line_cer") if k in r) + f" ({r['seconds']}s)")


def write_sums(out):
    """OUT/SHA256SUMS of the model and its charset (`sha256sum -c` checks them)."""
    with open(os.path.join(out, "SHA256SUMS"), "w") as f:
        for fn in ("model.onnx", "charset.txt"):
            f.write(f"{common.sha256_file(os.path.join(out, fn))}  {fn}\n")


def manifest_fonts(folder):
    try:
        with open(os.path.join(folder, "manifest.jsonl"), encoding="utf-8") as f:
            return sorted({json.loads(line)["font"] for line in f})
    except OSError:
        return ["(no manifest.jsonl)"]


def measured_section(a, res, n_eval):
    """The output README's tables (held-out synthetic, corrections, jikji eval) and its closing words."""
    s, c = res["synthetic_eval"], res["corrections_seen_in_training"]
    both = lambda r: f"{pct(r['cer'])} / {pct(r['exact_lines'])}"  # noqa: E731
    rows = [f"| held-out synthetic, fonts {', '.join(manifest_fonts(a.eval))} ({n_eval} lines) "
            f"| {both(s['v1'])} | {both(s['new'])} |"]
    if c:
        rows.append(f"| user corrections, **seen in training** ({c['v1']['lines']} lines) "
                    f"| {both(c['v1'])} | {both(c['new'])} |")
    by = {}
    for r in res["jikji_eval"]:
        by.setdefault(r["set"], {})[r["model"]] = r
    for setname, d in by.items():
        for k in ("page_cer", "line_cer"):
            if k in d.get("v1", {}) and k in d.get("new", {}):
                rows.append(f"| `jikji eval` {setname} ({d['v1']['images']} images), {k.replace('_', ' ')} "
                            f"| {pct(d['v1'][k])} | {pct(d['new'][k])} |")
    table = "\n".join(rows)
    return f"""## Measured (greedy decoding, CER on normalised non-space characters / exact lines)

| set | v1 | this model |
|---|---|---|
{table}

Details: `eval.json`, `train.log`{", `jikji-eval-*.json`" if by else ""}. A model is worth using only if it beats
v1 on real images without regressing clean text; the synthetic held-out set alone does not show that.
"""


def corrections_note(a, n_corr):
    """The output README's words on the user corrections used."""
    if not a.corrections:
        return "(no user corrections)"
    return (f"+ {n_corr // a.correction_copies} correction lines (+ {a.correction_copies - 1} degraded copies each) "
            f"from `{'`, `'.join(a.corrections)}`, mix {a.mix}")


def write_readme(a, res, n_train, n_corr, n_eval, base_model):
    text = f"""# Fine-tuned Korean line recogniser (head only)

Made by `training/finetune.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({platform.machine()},
{os.cpu_count()} CPUs). Same contract as korean-rec-v1 (input `x` [N,1,48,W], output `logits` [N,W/4,2570],
`charset.txt` unchanged): use it with `jikji serve --korean-model DIR` / `jikji eval --korean-model DIR`.

- Base: `{base_model}` (sha256 `{common.sha256_file(base_model)}`); only the output layer (`fc`, 352×2570 + 2570)
  was trained, the CNN and LSTMs are v1's.
- Data: {n_train} synthetic lines from `{a.train}` (fonts: {', '.join(manifest_fonts(a.train))})
  {corrections_note(a, n_corr)}.
- Steps {a.steps}, batch {a.batch}, Adam lr {a.lr}, L2 pull to v1 {a.l2_pull}, seed {a.seed}.

{measured_section(a, res, n_eval)}"""
    with open(os.path.join(a.out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
