"""Shared pieces of the Korean line recogniser's training pipeline: the model contract from
models/korean-rec-v1/README.md (charset, label normalisation, input preprocessing, greedy CTC
decoding), the CER metric and the ONNX surgery (feature output, fc replacement)."""

import hashlib
import os
import unicodedata

import numpy as np
import onnx
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
V1_DIR = os.path.join(REPO, "models", "korean-rec-v1")

# The model contract (models/korean-rec-v1/README.md).
HEIGHT = 48          # input height
WIDTH_STEP = 8       # W is padded to a multiple of this
MAX_WIDTH = 800      # widest training line; wider lines are squeezed to it
STRIDE = 4           # T = W / 4
BLANK = 0            # CTC blank; class i >= 1 is charset line i


def load_charset(path):
    """Charset lines (class i = lines[i-1]): split on \\n, drop only the final empty string."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def char_to_class(charset):
    return {c: i + 1 for i, c in enumerate(charset)}


_MIDDLE_DOTS = set("\u0387\u2027\u2219\u22c5\u2e31\u30fb\uff65\u318d")
_DASHES = set("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63")
_TILDES = set("\u02dc\u2053\u223c\u301c\u3030")


def normalise(s):
    """Label normalisation as in training and in `jikji eval` (crates/jikji-eval/src/normalize.rs,
    without case folding): NFC; full-width ASCII -> ASCII, ideographic space -> space; middle-dot
    variants -> '·'; dash variants -> '-'; soft hyphen dropped; tilde variants -> '~'; whitespace
    runs -> one space, trimmed."""
    out = []
    for c in unicodedata.normalize("NFC", s):
        o = ord(c)
        if 0xFF01 <= o <= 0xFF5E:
            c = chr(o - 0xFEE0)
        elif c == "\u3000":
            c = " "
        elif c in _MIDDLE_DOTS:
            c = "\u00b7"
        elif c in _DASHES:
            c = "-"
        elif c in _TILDES:
            c = "~"
        elif c == "\u00ad":
            continue
        out.append(c)
    return " ".join("".join(out).split())


def encode(text, c2i):
    """Class ids of a normalised label, or None when a character is outside the charset."""
    ids = [c2i.get(c) for c in text]
    return None if any(i is None for i in ids) else ids


def ctc_feasible(n_steps, ids):
    """CTC needs one time step per label plus one blank between each repeated pair."""
    repeats = sum(1 for a, b in zip(ids, ids[1:]) if a == b)
    return len(ids) + repeats <= n_steps


def to_input(img):
    """A line image (PIL, any mode) -> float32 [1, 48, W]: grayscale, height 48 keeping the aspect
    ratio, squeezed to at most 800 wide, normalised to [-1, 1], padded right to a multiple of 8
    with 0 (after normalisation)."""
    g = img.convert("L")
    w = max(1, round(g.width * HEIGHT / g.height))
    w = min(w, MAX_WIDTH)
    g = g.resize((w, HEIGHT), Image.BILINEAR)
    a = (np.asarray(g, dtype=np.float32) / 255.0 - 0.5) / 0.5
    wp = -(-w // WIDTH_STEP) * WIDTH_STEP
    x = np.zeros((1, HEIGHT, wp), np.float32)
    x[0, :, :w] = a
    return x


def batches_by_width(xs, batch_size):
    """Indices of xs grouped into batches of similar width (sorted), so that padding stays small."""
    order = sorted(range(len(xs)), key=lambda i: xs[i].shape[-1])
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def stack_padded(xs):
    w = max(x.shape[-1] for x in xs)
    out = np.zeros((len(xs), 1, HEIGHT, w), np.float32)
    for i, x in enumerate(xs):
        out[i, :, :, :x.shape[-1]] = x
    return out


def greedy_decode(logits, charset):
    """Argmax per step, collapse repeats, drop blanks. logits: [T, C]."""
    best = np.asarray(logits).argmax(-1)
    out, prev = [], BLANK
    for k in best:
        if k != prev and k != BLANK:
            out.append(charset[k - 1])
        prev = k
    return "".join(out)


def levenshtein(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer_counts(gt, pred):
    """(errors, gt chars) on normalised text without spaces, as `jikji eval` counts CER."""
    g = normalise(gt).replace(" ", "")
    p = normalise(pred).replace(" ", "")
    return levenshtein(g, p), len(g)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- ONNX surgery -------------------------------------------------------------------------------

def find_head(model):
    """(feature tensor, W initializer name, bias initializer name) of the final `logits = feat @ W + b`,
    found by structure (Add producing the graph output <- MatMul), not by the exporter's names."""
    g = model.graph
    out = g.output[0].name
    producers = {o: n for n in g.node for o in n.output}
    inits = {i.name for i in g.initializer}
    add = producers[out]
    assert add.op_type == "Add", add.op_type
    bias = next(i for i in add.input if i in inits)
    mm = producers[next(i for i in add.input if i not in inits)]
    assert mm.op_type == "MatMul", mm.op_type
    w = next(i for i in mm.input if i in inits)
    feat = next(i for i in mm.input if i not in inits)
    return feat, w, bias


def head_weights(model):
    _, w, b = find_head(model)
    inits = {i.name: i for i in model.graph.initializer}
    return (onnx.numpy_helper.to_array(inits[w]).astype(np.float32),
            onnx.numpy_helper.to_array(inits[b]).astype(np.float32))


def feature_model(model):
    """A copy of the recogniser that also outputs the features feeding the fc layer ([N, T, D])."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    feat, w, _ = find_head(m)
    d = [i for i in m.graph.initializer if i.name == w][0].dims[0]
    vi = onnx.helper.make_tensor_value_info(feat, onnx.TensorProto.FLOAT, ["N", "T", d])
    m.graph.output.append(vi)
    return m


def with_head(model, W, b):
    """A copy of the recogniser with the fc weight and bias replaced (same graph, same contract)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    _, wn, bn = find_head(m)
    for init in m.graph.initializer:
        if init.name == wn:
            init.CopyFrom(onnx.numpy_helper.from_array(np.asarray(W, np.float32), wn))
        elif init.name == bn:
            init.CopyFrom(onnx.numpy_helper.from_array(np.asarray(b, np.float32), bn))
    return m


def session(model_or_path, threads=0):
    import onnxruntime as ort
    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = threads
    src = model_or_path if isinstance(model_or_path, str) else model_or_path.SerializeToString()
    return ort.InferenceSession(src, so, providers=["CPUExecutionProvider"])


def run_batched(sess, xs, outputs, batch_size=32):
    """Run `sess` over inputs xs ([1, 48, W] each), batched by width; returns, per requested output,
    a list (in xs order) of [T_i, ...] arrays cut to each line's own T_i = W_i / 4."""
    res = [[None] * len(xs) for _ in outputs]
    for idx in batches_by_width(xs, batch_size):
        outs = sess.run(outputs, {"x": stack_padded([xs[i] for i in idx])})
        for k, o in enumerate(outs):
            for j, i in enumerate(idx):
                res[k][i] = o[j, :xs[i].shape[-1] // STRIDE].copy()
    return res
