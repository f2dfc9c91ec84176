"""Unit tests of the training pipeline: python3 -m unittest discover -s training -p 'test_*.py'"""

import itertools
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from ctc import ctc_loss_grad, log_softmax  # noqa: E402


def collapse(path, blank=0):
    out, prev = [], blank
    for k in path:
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def brute_force_nll(logits, labels):
    """-log of the sum of the probabilities of every length-T path that collapses to labels."""
    logp = log_softmax(np.asarray(logits, np.float64))
    T, C = logp.shape
    total = 0.0
    for path in itertools.product(range(C), repeat=T):
        if collapse(path) == list(labels):
            total += np.exp(sum(logp[t, k] for t, k in enumerate(path)))
    return -np.log(total)


class CtcTest(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(7)

    def test_loss_equals_brute_force(self):
        for labels in ([1], [1, 2], [1, 1], [2, 1, 2], []):
            logits = self.rng.normal(size=(4, 3))
            loss, _ = ctc_loss_grad(logits, labels)
            self.assertAlmostEqual(loss, brute_force_nll(logits, labels), places=9, msg=labels)

    def test_infeasible(self):
        loss, grad = ctc_loss_grad(self.rng.normal(size=(2, 3)), [1, 1])  # needs 3 steps
        self.assertTrue(np.isinf(loss))
        self.assertIsNone(grad)

    def test_gradient_matches_finite_differences(self):
        for labels in ([1, 2], [1, 1], [2, 1, 2]):
            logits = self.rng.normal(size=(5, 3))
            _, grad = ctc_loss_grad(logits, labels)
            eps = 1e-6
            num = np.zeros_like(logits)
            for idx in np.ndindex(*logits.shape):
                d = np.zeros_like(logits)
                d[idx] = eps
                num[idx] = (ctc_loss_grad(logits + d, labels)[0] - ctc_loss_grad(logits - d, labels)[0]) / (2 * eps)
            np.testing.assert_allclose(grad, num, atol=1e-5)


class DecodeTest(unittest.TestCase):
    def test_greedy_collapses_repeats_and_blanks(self):
        charset = [" ", "a", "b"]  # classes 1..3
        path = [0, 2, 2, 0, 2, 3, 3, 1, 0, 0, 3]
        logits = np.eye(4)[path]
        self.assertEqual(common.greedy_decode(logits, charset), "aab b")

    def test_normalise(self):
        self.assertEqual(common.normalise(" Ａ１，\u3000 2026\u20131\u301c3  ㆍ가 "), "A1, 2026-1~3 ·가")
        self.assertEqual(common.normalise("\u1100\u1161"), "가")  # NFC composes jamo

    def test_cer_ignores_spaces(self):
        self.assertEqual(common.cer_counts("가 나다", "가나 다"), (0, 3))
        self.assertEqual(common.cer_counts("1,300원", "1.300원"), (1, 6))


class ExportTest(unittest.TestCase):
    def test_unchanged_head_gives_v1_logits(self):
        import onnx
        path = os.path.join(common.V1_DIR, "model.onnx")
        if not os.path.exists(path):
            self.skipTest("models/korean-rec-v1/model.onnx missing")
        v1 = onnx.load(path)
        W, b = common.head_weights(v1)
        self.assertEqual(W.shape, (352, 2570))
        exported = common.with_head(v1, W.copy(), b.copy())
        x = np.random.default_rng(0).uniform(-1, 1, (2, 1, 48, 64)).astype(np.float32)
        ref = common.session(path).run(["logits"], {"x": x})[0]
        got = common.session(exported).run(["logits"], {"x": x})[0]
        np.testing.assert_array_equal(ref, got)
        # the feature model's features through the head give the same logits
        logits, feat = common.session(common.feature_model(v1)).run(["logits", common.find_head(v1)[0]], {"x": x})
        np.testing.assert_allclose(feat @ W + b, ref, atol=1e-3)
        np.testing.assert_array_equal(logits, ref)


if __name__ == "__main__":
    unittest.main()
