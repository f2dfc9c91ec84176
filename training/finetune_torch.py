"""Full fine-tune of the Korean line recogniser from korean-rec-v1 in PyTorch (GPU; CPU for rehearsals).

    python3 training/finetune_torch.py --eval DIR --out OUT [--minutes 8] [--device cuda]
        [--corpus FILE] [--corrections DIR --mix 0.3] [--freeze-cnn] [--jikji target/release/jikji]

The model is torch_model.KoreanRec with every weight loaded from v1's ONNX graph (parity with onnxruntime:
training/test_torch_parity.py). All layers are trained (or all but the CNN with --freeze-cnn) with torch's CTC
loss (blank 0, zero_infinity), AdamW and a cosine learning rate over the wall-clock budget (after a linear
warm-up), bf16 autocast on CUDA. Training lines are drawn on the fly by DataLoader workers with synth.py's
make_line (train split: training fonts, training text; line i depends only on (--seed, i)), grouped by width
into batches; with --corrections each batch also takes a --mix share of the user's corrected lines (with
--correction-copies - 1 degraded copies each, as finetune.py). Training stops after --minutes of training
(or --max-steps), then the model is exported with torch.onnx.export to v1's contract (input `x` [N,1,48,W],
output `logits` [N,W/4,2570], N and W dynamic, opset 17), the export is checked against the torch module in
onnxruntime, and v1 and the new model are evaluated exactly as finetune.py does (its functions): held-out
synthetic lines (--eval, synth.py --split eval) and, with --jikji, `jikji eval --korean-model` on real sets.

Writes OUT/model.onnx, charset.txt, train.log, eval.json, README.md, SHA256SUMS (finetune.py's layout).
"""

import argparse
import math
import os
import platform
import shutil
import sys
import time

import numpy as np
import onnx
import torch
from torch import nn
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import finetune  # noqa: E402  (evaluate_models, load_corrections, load_lines, Log, pct, write_sums, …)
import synth  # noqa: E402
import torch_model  # noqa: E402

# Defaults, not swept (no GPU run yet; see training/README.md). The H200 sizing is in gpu-finetune.sh.
LR = 3e-4            # AdamW peak: v1 is already at a good optimum, a fine-tune should move it moderately
WEIGHT_DECAY = 1e-2  # AdamW's decoupled decay; at lr 3e-4 over a few thousand steps it shrinks weights <1%
WARMUP = 200         # linear warm-up steps (the Adam moments start at zero; the first updates are noisy)
MIN_LR_SHARE = 0.05  # the cosine ends at 5% of the peak, not 0: the last minutes still learn a little
BATCH = 256          # lines per step on a GPU (gpu-finetune.sh); ~80k time steps per batch at W ~320
POOL = 8             # a worker draws POOL batches of lines, sorts them by width and cuts batches: less padding
CLIP = 5.0           # gradient-norm clip: CTC gradients spike on lines the model reads badly
MIX = 0.3            # share of correction lines per batch when --corrections is given (finetune.py uses 0.5
                     # for the head alone; a full fine-tune can overfit a few dozen lines faster)
CORRECTION_COPIES = 4


class SynthBatches(IterableDataset):
    """Endless padded batches of synthetic training lines. Worker k of n draws lines k, k + n, k + 2n, ...
    (synth.make_line(seed, 'train', i)), so the lines seen depend only on --seed and the number of workers."""

    def __init__(self, seed, fonts, corpus, c2i, batch, pool=POOL):
        self.seed, self.fonts, self.corpus, self.c2i, self.batch, self.pool = seed, fonts, corpus, c2i, batch, pool

    def __iter__(self):
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info else (0, 1)
        if info:
            torch.set_num_threads(1)   # a worker only draws lines; the main process keeps its threads
        rng = np.random.default_rng([self.seed, 7, wid])
        index = wid
        while True:
            lines = []
            while len(lines) < self.batch * self.pool:
                try:
                    img, text, _ = synth.make_line(self.seed, "train", index, self.fonts, self.corpus, self.c2i)
                except RuntimeError:
                    img = None
                index += nw
                if img is None:
                    continue
                x = common.to_input(img)
                ids = common.encode(text, self.c2i)
                if ids and common.ctc_feasible(x.shape[-1] // common.STRIDE, ids):
                    lines.append((x, ids))
            lines.sort(key=lambda t: t[0].shape[-1])
            chunks = [lines[i:i + self.batch] for i in range(0, len(lines), self.batch)]
            for k in rng.permutation(len(chunks)):
                yield collate(chunks[k])


def collate(lines):
    """[(x [1,48,W], class ids)] -> (x [N,1,48,Wmax] right-padded with 0, targets concatenated,
    input lengths W/4, target lengths) as numpy arrays: workers hand numpy through a pipe, not torch tensors
    through shared memory, so a small /dev/shm (containers: often 64 MB) cannot break the loader."""
    xs = [x for x, _ in lines]
    targets = np.array([i for _, ids in lines for i in ids], np.int64)
    in_lens = np.array([x_.shape[-1] // common.STRIDE for x_ in xs], np.int64)
    tgt_lens = np.array([len(ids) for _, ids in lines], np.int64)
    return common.stack_padded(xs), targets, in_lens, tgt_lens


def keep_numpy(batch):
    """DataLoader collate_fn: leave the worker's numpy batch as it is (the default would make torch tensors
    in the worker, which then travel through shared memory)."""
    return batch


def lr_at(step, progress, a):
    """Linear warm-up over --warmup steps, then cosine from --lr to MIN_LR_SHARE * --lr over the budget
    (progress in [0, 1]: the larger of elapsed / --minutes and step / --max-steps)."""
    warm = min(1.0, step / max(1, a.warmup))
    cos = MIN_LR_SHARE + (1 - MIN_LR_SHARE) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return a.lr * warm * cos


def pick_amp(a, device, model, log):
    """The autocast dtype to train with on CUDA (None: fp32), after one trial forward/backward step, so that
    a precision the GPU's cuDNN LSTM does not support falls back to fp32 instead of failing the run."""
    if device.type != "cuda" or a.amp == "off":
        return None
    dtype = torch.bfloat16 if a.amp == "bf16" else torch.float16
    try:
        x = torch.zeros(2, 1, 48, 64, device=device)
        with torch.autocast("cuda", dtype=dtype):
            out = model(x)
        out.float().sum().backward()
        model.zero_grad(set_to_none=True)
        torch.cuda.synchronize()
        return dtype
    except Exception as e:  # noqa: BLE001 (any failure of the trial step: train in fp32 instead)
        log(f"WARNING: {a.amp} autocast failed ({str(e).splitlines()[0]}); training in fp32 (TF32 matmuls)")
        model.zero_grad(set_to_none=True)
        return None


def train(model, loader, corr, a, device, log):
    """Trains in place until the time budget or --max-steps; returns (steps, lines seen, seconds)."""
    params = [p for n, p in model.named_parameters() if not (a.freeze_cnn and n.startswith("cnn."))]
    if a.freeze_cnn:
        for p in model.cnn.parameters():
            p.requires_grad_(False)
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=a.weight_decay, fused=device.type == "cuda")
    ctc = nn.CTCLoss(blank=common.BLANK, reduction="sum", zero_infinity=True)
    amp = pick_amp(a, device, model, log)
    log(f"train: {sum(p.numel() for p in params):,} trainable parameters"
        f"{' (CNN frozen)' if a.freeze_cnn else ''}; device {device}; autocast {amp or 'off (fp32)'}; "
        f"batch {a.batch} ({a.n_corr} correction lines); {a.workers} data workers; budget {a.minutes} min"
        f"{f', at most {a.max_steps} steps' if a.max_steps else ''}")
    rng = np.random.default_rng([a.seed, 3])
    budget = a.minutes * 60
    t0 = time.time()
    wait = 0.0
    lines = 0
    loss_sum, loss_n = torch.zeros((), device=device), 0
    step = 0
    it = iter(loader)
    model.train()
    while True:
        tw = time.time()
        x, targets, in_lens, tgt_lens = next(it)
        if a.n_corr:
            extra = [(corr[0][i], corr[1][i]) for i in rng.integers(len(corr[0]), size=a.n_corr)]
            cx, ct, ci, cl = collate(extra)
            w = max(x.shape[-1], cx.shape[-1])
            x = np.concatenate([np.pad(x, ((0, 0), (0, 0), (0, 0), (0, w - x.shape[-1]))),
                                np.pad(cx, ((0, 0), (0, 0), (0, 0), (0, w - cx.shape[-1])))])
            targets, in_lens, tgt_lens = (np.concatenate(p) for p in ((targets, ct), (in_lens, ci), (tgt_lens, cl)))
        x, targets, in_lens, tgt_lens = (torch.from_numpy(v) for v in (x, targets, in_lens, tgt_lens))
        wait += time.time() - tw
        step += 1
        elapsed = time.time() - t0
        progress = max(elapsed / budget, step / a.max_steps if a.max_steps else 0.0)
        lr = lr_at(step, progress, a)
        for g in opt.param_groups:
            g["lr"] = lr
        nb = x.shape[0]
        x = x.to(device, non_blocking=True)
        with torch.autocast(device.type, dtype=amp, enabled=amp is not None):
            logits = model(x)
        logp = logits.float().log_softmax(-1).transpose(0, 1)          # [T, N, C] for CTCLoss
        loss = ctc(logp, targets.to(device), in_lens.to(device), tgt_lens.to(device)) / nb
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(params, CLIP)
        opt.step()
        lines += nb
        loss_sum += loss.detach()
        loss_n += 1
        elapsed = time.time() - t0
        done = elapsed >= budget or (a.max_steps and step >= a.max_steps)
        if step == 1 or step % a.log_every == 0 or done:
            mean = float(loss_sum) / loss_n                              # syncs the device
            elapsed = time.time() - t0
            log(f"step {step:6d}  ctc {mean:.4f}  lr {lr:.2e}  lines {lines}  "
                f"{lines / max(elapsed, 1e-9):.0f} lines/s  data wait {100 * wait / max(elapsed, 1e-9):.0f}%  "
                f"{elapsed:.1f}s")
            loss_sum, loss_n = torch.zeros((), device=device), 0
        if done:
            break
    del it
    return step, lines, time.time() - t0


def verify_export(model, path, xs, log, tol=1e-3):
    """The exported ONNX gives the torch module's logits (fp32, CPU) on up to 32 evaluation lines."""
    m = model.float().cpu().eval()
    sess = common.session(path)
    worst = 0.0
    for idx in common.batches_by_width(xs[:32], 8):
        x = common.stack_padded([xs[i] for i in idx])
        with torch.no_grad():
            ref = m(torch.from_numpy(x)).numpy()
        got = sess.run(["logits"], {"x": x})[0]
        worst = max(worst, float(np.abs(ref - got).max()))
    log(f"export check: onnxruntime vs torch, max |diff| {worst:.2e} over {min(len(xs), 32)} lines (tolerance {tol})")
    if not worst < tol:
        raise SystemExit(f"exported model differs from the torch module ({worst:.2e} >= {tol})")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--eval", required=True, help="held-out lines (synth.py --split eval)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", default=synth.DEV_CORPUS, help="text for the training lines (synth.py --corpus)")
    ap.add_argument("--corrections", nargs="+", metavar="DIR",
                    help="user corrections, one or more folders: the OCR Reader's export unpacked "
                         "(labels.tsv + images/) or NAME.png|jpg + NAME.txt pairs")
    ap.add_argument("--mix", type=float, default=MIX, help="share of correction lines per batch")
    ap.add_argument("--correction-copies", type=int, default=CORRECTION_COPIES)
    ap.add_argument("--base", default=common.V1_DIR, help="model to start from (model.onnx + charset.txt)")
    ap.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    ap.add_argument("--minutes", type=float, default=8.0, help="training wall-clock budget (export and eval after)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps too (0: budget only)")
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--lr", type=float, default=LR)
    ap.add_argument("--weight-decay", type=float, default=WEIGHT_DECAY)
    ap.add_argument("--warmup", type=int, default=WARMUP)
    ap.add_argument("--amp", default="bf16", choices=["bf16", "fp16", "off"], help="autocast on CUDA")
    ap.add_argument("--freeze-cnn", action="store_true", help="train only the LSTMs, projection and output layer")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--jikji", help="jikji binary: also run `jikji eval` with v1 and the new model")
    ap.add_argument("--jikji-models", default=os.path.join(common.REPO, "models"))
    ap.add_argument("--jikji-gt", action="append",
                    help="GT for jikji eval (repeatable) [default: korean_real and korean_photos of the testdata]")
    a = ap.parse_args()
    t_all = time.time()

    os.makedirs(a.out, exist_ok=True)
    if os.path.exists(os.path.join(a.out, "train.log")):
        os.remove(os.path.join(a.out, "train.log"))
    log = finetune.Log(os.path.join(a.out, "train.log"))
    log("finetune_torch:", " ".join(sys.argv[1:]))
    if a.device == "auto":
        a.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(a.device)
    if a.threads:
        torch.set_num_threads(a.threads)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        log(f"torch {torch.__version__}, {torch.cuda.get_device_name(device)}, {os.cpu_count()} CPUs")
    else:
        log(f"torch {torch.__version__}, CPU only ({os.cpu_count()} CPUs, {torch.get_num_threads()} torch threads)")
    torch.manual_seed(a.seed)

    base_model = os.path.join(a.base, "model.onnx")
    base_charset = os.path.join(a.base, "charset.txt")
    charset = common.load_charset(base_charset)
    c2i = common.char_to_class(charset)
    model = torch_model.from_onnx(base_model).to(device)
    assert model.fc.out_features == len(charset) + 1, "charset and output layer disagree"
    log(f"base {base_model} sha256 {common.sha256_file(base_model)}; "
        f"{sum(p.numel() for p in model.parameters()):,} parameters loaded from the ONNX initializers")

    t0 = time.time()
    fonts = synth.list_fonts("train")
    corpus = synth.load_corpus(a.corpus, c2i, "train")
    cx, cids, ctexts = finetune.load_corrections(a.corrections, c2i, log, a.correction_copies, a.seed)
    ex, _, etexts = finetune.load_lines(a.eval, c2i, log)
    if not ex:
        raise SystemExit(f"no evaluation lines in {a.eval}")
    a.n_corr = int(round(a.batch * a.mix)) if cx else 0
    if a.n_corr >= a.batch:
        raise SystemExit("--mix leaves no synthetic line in a batch")
    log(f"data: synthetic train lines on the fly from {len(fonts)} fonts ({', '.join(os.path.basename(f) for f in fonts)}) "
        f"and {len(corpus)} training corpus lines of {a.corpus}; {len(cx)} correction lines (with copies); "
        f"{len(ex)} eval lines ({time.time() - t0:.1f}s)")

    ds = SynthBatches(a.seed, fonts, corpus, c2i, a.batch - a.n_corr)
    loader = DataLoader(ds, batch_size=None, collate_fn=keep_numpy, num_workers=a.workers,
                        prefetch_factor=4 if a.workers else None)
    steps, lines, secs = train(model, loader, (cx, cids), a, device, log)
    log(f"trained: {steps} steps, {lines} lines ({secs:.0f}s)")

    out_model = os.path.join(a.out, "model.onnx")
    model = model.float().cpu().eval()
    torch_model.export_onnx(model, out_model)
    new = onnx.load(out_model)
    new.metadata_props.add(key="jikji.finetuned_from", value=common.sha256_file(base_model))
    new.metadata_props.add(key="jikji.finetune", value=f"full (torch{', CNN frozen' if a.freeze_cnn else ''}); "
                           f"steps {steps}; lines {lines}; seed {a.seed}")
    onnx.save(new, out_model)
    shutil.copyfile(base_charset, os.path.join(a.out, "charset.txt"))
    log(f"exported {out_model}")
    export_diff = verify_export(model, out_model, ex, log)

    results = {"synthetic_eval": {}, "corrections_seen_in_training": {}, "jikji_eval": [],
               "training": {"steps": steps, "lines": lines, "seconds": round(secs, 1), "device": str(device),
                            "export_max_abs_diff": export_diff}}
    finetune.evaluate_models(a, base_model, out_model, (ex, etexts), (cx, ctexts), charset, results, log)

    import json
    with open(os.path.join(a.out, "eval.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    write_readme(a, results, fonts, len(cx), len(ex), base_model)
    finetune.write_sums(a.out)
    log(f"done: {a.out} ({time.time() - t_all:.0f}s in all)")


def write_readme(a, res, fonts, n_corr, n_eval, base_model):
    t = res["training"]
    dev = torch.cuda.get_device_name(0) if t["device"].startswith("cuda") else f"CPU only ({os.cpu_count()} CPUs)"
    text = f"""# Fine-tuned Korean line recogniser (full fine-tune, PyTorch)

Made by `training/finetune_torch.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({platform.machine()},
{dev}, torch {torch.__version__}). Same contract as korean-rec-v1 (input `x` [N,1,48,W], output `logits`
[N,W/4,2570], `charset.txt` unchanged): use it with `jikji serve --korean-model DIR` / `jikji eval --korean-model DIR`.

- Base: `{base_model}` (sha256 `{common.sha256_file(base_model)}`); {"all layers but the CNN" if a.freeze_cnn else "all layers"}
  trained (CTC loss, AdamW lr {a.lr} with {a.warmup} warm-up steps then cosine over the budget, weight decay
  {a.weight_decay}, gradient clip {CLIP}).
- Data: {t['lines']:,} synthetic lines drawn on the fly (synth.py train split, seed {a.seed}: fonts
  {', '.join(os.path.basename(f) for f in fonts)}; text from `{a.corpus}` and generated receipt strings)
  {finetune.corrections_note(a, n_corr)}.
- Steps {t['steps']}, batch {a.batch}, {t['seconds']:.0f} s of training on {t['device']} (budget {a.minutes} min{
  f", at most {a.max_steps} steps" if a.max_steps else ""}). Export checked against the torch module in onnxruntime:
  max |logit difference| {t['export_max_abs_diff']:.1e}.

{finetune.measured_section(a, res, n_eval)}"""
    with open(os.path.join(a.out, "README.md"), "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
