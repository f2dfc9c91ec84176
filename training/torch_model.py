"""korean-rec-v1 as a PyTorch module, with its weights loaded from the ONNX graph.

    from torch_model import from_onnx
    model = from_onnx("models/korean-rec-v1/model.onnx")    # KoreanRec, eval mode, fp32, CPU
    logits = model(x)                                       # x [N, 1, 48, W] -> [N, W/4, 2570]

The layers below are read off v1's graph (`onnx` node attributes, models/korean-rec-v1/model.onnx, opset 17):

    Conv 1->32 3x3 pad 1, Relu, MaxPool 2x2/2                     H 48 -> 24, W -> W/2
    Conv 32->64 3x3 pad 1, Relu, MaxPool 2x2/2                    H 24 -> 12, W -> W/4
    residual: Relu(Conv 128->128 3x3 pad 1 (Relu(Conv 64->128 3x3 pad 1)) + Conv 64->128 1x1), MaxPool (2,1)/(2,1)  H -> 6
    residual: same with 128->192, 192->192, 1x1 128->192, MaxPool (2,1)/(2,1)                                       H -> 3
    Conv 192->224 3x3 pads (top 0, left 1, bottom 0, right 1), Relu                                                  H -> 1
    Squeeze(2), Transpose -> f [N, T, 224]
    LSTM bidirectional hidden 176 (input 224), LSTM bidirectional hidden 176 (input 352), zero initial states,
    no sequence_lens (every step of the padded batch is run)                                 -> r [N, T, 352]
    logits = (r + (f @ Wp + bp)) @ Wfc + bfc          Wp [224, 352], Wfc [352, 2570]

BatchNorm is folded into the convolutions in v1's graph, so there is none here: each conv has a bias.

Weights are matched by shape, not by the exporter's initializer names (they differ between exporters and
between v1 and a model exported from this module): every conv weight shape in the graph is distinct (its bias is
the Conv node's third input), the two LSTMs differ by input size, the two MatMuls by weight shape (each bias is the
initializer of the Add consuming the MatMul). ONNX LSTM layout: W [dirs, 4H, in], R [dirs, 4H, H], B [dirs, 8H] =
[Wb, Rb], gates in the order i, o, f, c; torch's nn.LSTM uses i, f, g(=c), o and keeps the two biases apart
(bias_ih = Wb, bias_hh = Rb); direction 1 is torch's `_reverse`.
"""

import numpy as np
import torch
from torch import nn

HIDDEN = 176
CLASSES = 2570
# ONNX gate blocks (i, o, f, c) -> torch (i, f, g, o): torch block k is ONNX block ONNX_TO_TORCH_GATES[k]
ONNX_TO_TORCH_GATES = [0, 2, 3, 1]


class Residual(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.sc = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return torch.relu(self.c2(torch.relu(self.c1(x))) + self.sc(x))


class KoreanRec(nn.Module):
    def __init__(self, classes=CLASSES):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2),
            Residual(64, 128), nn.MaxPool2d((2, 1), (2, 1)),
            Residual(128, 192), nn.MaxPool2d((2, 1), (2, 1)),
            nn.Conv2d(192, 224, 3, padding=(0, 1)), nn.ReLU(),
        )
        self.rnn = nn.LSTM(224, HIDDEN, num_layers=2, bidirectional=True, batch_first=True)
        self.proj = nn.Linear(224, 2 * HIDDEN)
        self.fc = nn.Linear(2 * HIDDEN, classes)

    def features(self, x):
        """The [N, T, 352] features feeding the output layer (ONNX `/Add_output_0` in v1)."""
        f = self.cnn(x).squeeze(2).transpose(1, 2)      # [N, T, 224]
        r, _ = self.rnn(f)                               # [N, T, 352]
        return r + self.proj(f)

    def forward(self, x):
        return self.fc(self.features(x))


# --- loading from ONNX ---------------------------------------------------------------------------

def _conv_layers(model):
    c = model.cnn
    return [c[0], c[3], c[6].c1, c[6].c2, c[6].sc, c[8].c1, c[8].c2, c[8].sc, c[10]]


def _gates(a, axis):
    """Reorder the 4 gate blocks of a along axis from ONNX (i, o, f, c) to torch (i, f, g, o)."""
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[k] for k in ONNX_TO_TORCH_GATES], axis=axis)


def onnx_weights(model_proto):
    """{'conv': {weight shape: (W, b)}, 'lstm': {input size: (W, R, B)}, 'linear': {weight shape: (W, b)}}
    read from the graph's Conv, LSTM and MatMul(+Add) nodes."""
    from onnx import numpy_helper
    g = model_proto.graph
    inits = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    out = {"conv": {}, "lstm": {}, "linear": {}, "used": set()}

    def take(name):
        out["used"].add(name)
        return inits[name].astype(np.float32)

    for n in g.node:
        if n.op_type == "Conv":
            w = take(n.input[1])
            b = take(n.input[2]) if len(n.input) > 2 and n.input[2] else np.zeros(w.shape[0], np.float32)
            assert tuple(w.shape) not in out["conv"], f"two convs with weight shape {w.shape}"
            out["conv"][tuple(w.shape)] = (w, b)
        elif n.op_type == "LSTM":
            attrs = {a.name: a for a in n.attribute}
            assert attrs["direction"].s == b"bidirectional" and attrs["hidden_size"].i == HIDDEN, n.name
            assert len(n.input) < 5 or not n.input[4], "sequence_lens given: not v1's graph"
            W, R, B = take(n.input[1]), take(n.input[2]), take(n.input[3])
            out["lstm"][W.shape[2]] = (W, R, B)
        elif n.op_type == "MatMul" and n.input[1] in inits:
            w = take(n.input[1])
            adds = [c for c in consumers.get(n.output[0], []) if c.op_type == "Add"]
            assert len(adds) == 1, f"MatMul {n.name} is not followed by one bias Add"
            bname = next(i for i in adds[0].input if i in inits)
            out["linear"][tuple(w.shape)] = (w, take(bname))
        elif n.op_type == "Gemm":
            raise ValueError(f"Gemm node {n.name}: not the layout of v1 (MatMul + Add); extend onnx_weights")
    return out


def load_onnx_weights(model, model_proto):
    """Copy every weight of the ONNX graph into `model` (a KoreanRec); checks that each parameter is
    set exactly once and that every float initializer of the graph was used."""
    w = onnx_weights(model_proto)
    done = set()

    def put(param, value, name):
        value = torch.from_numpy(np.ascontiguousarray(value))
        assert tuple(param.shape) == tuple(value.shape), f"{name}: {tuple(param.shape)} vs {tuple(value.shape)}"
        with torch.no_grad():
            param.copy_(value)
        done.add(id(param))

    for k, conv in enumerate(_conv_layers(model)):
        shape = tuple(conv.weight.shape)
        assert shape in w["conv"], f"no conv with weight shape {shape} in the graph"
        cw, cb = w["conv"][shape]
        put(conv.weight, cw, f"conv{k}.weight")
        put(conv.bias, cb, f"conv{k}.bias")
    for layer, insize in enumerate((224, 2 * HIDDEN)):
        W, R, B = w["lstm"][insize]
        for d, suffix in enumerate(("", "_reverse")):
            put(getattr(model.rnn, f"weight_ih_l{layer}{suffix}"), _gates(W[d], 0), f"lstm{layer}{suffix} W")
            put(getattr(model.rnn, f"weight_hh_l{layer}{suffix}"), _gates(R[d], 0), f"lstm{layer}{suffix} R")
            put(getattr(model.rnn, f"bias_ih_l{layer}{suffix}"), _gates(B[d, :4 * HIDDEN], 0), f"lstm{layer}{suffix} Wb")
            put(getattr(model.rnn, f"bias_hh_l{layer}{suffix}"), _gates(B[d, 4 * HIDDEN:], 0), f"lstm{layer}{suffix} Rb")
    for lin in (model.proj, model.fc):
        shape = (lin.in_features, lin.out_features)           # ONNX MatMul weight is torch's weight.T
        assert shape in w["linear"], f"no MatMul with weight shape {shape} in the graph"
        lw, lb = w["linear"][shape]
        put(lin.weight, lw.T, f"linear {shape} weight")
        put(lin.bias, lb, f"linear {shape} bias")
    missing = [n for n, p in model.named_parameters() if id(p) not in done]
    assert not missing, f"parameters not loaded from the graph: {missing}"
    from onnx import numpy_helper
    unused = [i.name for i in model_proto.graph.initializer
              if i.name not in w["used"] and numpy_helper.to_array(i).dtype == np.float32
              and numpy_helper.to_array(i).size > 1]
    assert not unused, f"float initializers of the graph not loaded: {unused}"
    return model


def from_onnx(path_or_proto):
    """A KoreanRec (CPU, fp32, eval mode) with the weights of an ONNX recogniser of v1's architecture
    (v1 itself or a model exported by finetune_torch.py / finetune.py)."""
    import onnx
    proto = onnx.load(path_or_proto) if isinstance(path_or_proto, str) else path_or_proto
    classes = onnx_weights(proto)["linear"]
    fc_shape = [s for s in classes if s[0] == 2 * HIDDEN]
    assert len(fc_shape) == 1, f"output layer not found: {list(classes)}"
    model = KoreanRec(classes=fc_shape[0][1])
    load_onnx_weights(model, proto)
    return model.eval()


def export_onnx(model, path, opset=17):
    """Export to v1's contract: input `x` [N, 1, 48, W], output `logits` [N, W/4, C], N and W dynamic.
    Uses the TorchScript exporter (dynamo=False), which writes nn.LSTM as one ONNX LSTM node as in v1."""
    import copy
    m = copy.deepcopy(model).float().cpu().eval()
    x = torch.zeros(2, 1, 48, 64)
    kwargs = dict(input_names=["x"], output_names=["logits"], opset_version=opset,
                  dynamic_axes={"x": {0: "N", 3: "W"}, "logits": {0: "N", 1: "T"}}, do_constant_folding=True)
    import inspect
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with torch.no_grad():
        torch.onnx.export(m, (x,), path, **kwargs)
    return path
