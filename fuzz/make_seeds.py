#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/<target>/ (run: python3 fuzz/make_seeds.py; needs Pillow).

Every seed is tiny (a few hundred bytes): the fuzzer needs one valid example of each structure to mutate,
not realistic pages. Re-running rewrites the same files.
"""
import base64, io, json, os, zlib
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def img(mode="RGB", size=(16, 12)):
    im = Image.new("RGB", size, (250, 250, 250))
    d = ImageDraw.Draw(im)
    d.rectangle([2, 2, size[0] // 2, size[1] // 2], fill=(20, 30, 200))
    d.line([0, size[1] - 1, size[0] - 1, 0], fill=(200, 10, 10))
    return im.convert(mode)


def enc(im, fmt, **kw):
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def pdf(objects):
    """A PDF with a valid xref table from object bodies (object 1 = catalog)."""
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offs = []
    for i, o in enumerate(objects):
        offs.append(len(body))
        o = o if isinstance(o, bytes) else o.encode()
        body += b"%d 0 obj\n" % (i + 1) + o + b"\nendobj\n"
    x = len(body)
    t = "xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    t += "".join("%010d 00000 n \n" % o for o in offs)
    t += "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, x)
    return body + t.encode()


def stream(dict_extra, data, flate=False):
    if flate:
        data = zlib.compress(data)
        dict_extra += " /Filter /FlateDecode"
    return b"<< /Length %d %s >>\nstream\n" % (len(data), dict_extra.encode()) + data + b"\nendstream"


def decode_seeds():
    base = img()
    out("decode", "png-rgb.png", enc(base, "PNG"))
    out("decode", "png-rgba.png", enc(img("RGBA"), "PNG"))
    out("decode", "png-palette-interlaced.png", enc(img("P"), "PNG", interlace=1))
    out("decode", "png-gray16.png", enc(img("I;16"), "PNG"))
    out("decode", "jpeg-baseline.jpg", enc(base, "JPEG", quality=50))
    out("decode", "jpeg-progressive.jpg", enc(base, "JPEG", quality=50, progressive=True))
    out("decode", "jpeg-gray.jpg", enc(img("L"), "JPEG", quality=50))
    out("decode", "jpeg-cmyk.jpg", enc(img("CMYK"), "JPEG", quality=50))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW
    out("decode", "jpeg-exif-orient6.jpg", enc(base, "JPEG", quality=50, exif=exif.tobytes()))
    out("decode", "bmp-rgb.bmp", enc(base, "BMP"))
    out("decode", "bmp-pal.bmp", enc(img("P"), "BMP"))
    out("decode", "gif.gif", enc(img("P"), "GIF"))
    out("decode", "webp-lossy.webp", enc(base, "WEBP", quality=30))
    out("decode", "webp-lossless.webp", enc(base, "WEBP", lossless=True))
    out("decode", "tiff-raw.tif", enc(base, "TIFF"))
    out("decode", "tiff-lzw.tif", enc(base, "TIFF", compression="tiff_lzw"))
    out("decode", "tiff-deflate.tif", enc(img("L"), "TIFF", compression="tiff_adobe_deflate"))
    out("decode", "tiff-packbits-1bit.tif", enc(img("1"), "TIFF", compression="packbits"))
    out("decode", "tiff-gray16.tif", enc(img("I;16"), "TIFF"))
    out("decode", "tiff-cmyk.tif", enc(img("CMYK"), "TIFF"))
    b = io.BytesIO()
    base.save(b, "TIFF", save_all=True, append_images=[img("L"), img("RGB", (8, 8))])
    out("decode", "tiff-3pages.tif", b.getvalue())

    page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s] /Resources %s /Contents %d 0 R >>"
    # One page, a filled rectangle and a stroked path.
    out("decode", "pdf-rect.pdf", pdf([
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page % ("60 40", "<< >>", 4),
        stream("", b"0 0 1 rg 5 5 30 20 re f 1 0 0 RG 2 w 0 0 m 60 40 l S"),
    ]))
    # Text in a standard font, flate-compressed content.
    out("decode", "pdf-text-flate.pdf", pdf([
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page % ("80 30", "<< /Font << /F1 5 0 R >> >>", 4),
        stream("", b"BT /F1 12 Tf 4 10 Td (Jikji 1) Tj ET", flate=True),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]))
    # An image XObject (raw RGB) drawn through a form XObject; two pages.
    pix = bytes([(x * 40) % 256 for x in range(4 * 4 * 3)])
    out("decode", "pdf-image-form-2pages.pdf", pdf([
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
        page % ("40 40", "<< /XObject << /Fm 7 0 R >> >>", 4),
        stream("", b"q 1 0 0 1 5 5 cm /Fm Do Q"),
        page % ("30 50", "<< /XObject << /Im 8 0 R >> >>", 6),
        stream("", b"q 20 0 0 20 5 5 cm /Im Do Q"),
        stream("/Type /XObject /Subtype /Form /BBox [0 0 30 30] /Resources << /XObject << /Im 8 0 R >> >>",
               b"q 25 0 0 25 0 0 cm /Im Do Q"),
        stream("/Type /XObject /Subtype /Image /Width 4 /Height 4 /ColorSpace /DeviceRGB /BitsPerComponent 8",
               pix, flate=True),
    ]))
    # A DCT (JPEG) image inside a PDF.
    jpg = enc(img("RGB", (8, 8)), "JPEG", quality=40)
    out("decode", "pdf-dct.pdf", pdf([
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        page % ("20 20", "<< /XObject << /Im 5 0 R >> >>", 4),
        stream("", b"q 16 0 0 16 2 2 cm /Im Do Q"),
        stream("/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceRGB "
               "/BitsPerComponent 8 /Filter /DCTDecode", jpg),
    ]))


def json_seeds():
    img64 = base64.b64encode(enc(img("RGB", (4, 4)), "PNG")).decode()
    reqs = {
        "general-v2.json": {"version": "V2", "requestId": "r-1", "timestamp": 1722225600000, "lang": "ko",
                            "images": [{"format": "png", "name": "demo", "data": img64}]},
        "general-v1-url.json": {"version": "V1", "requestId": "r-2", "timestamp": 0,
                                "images": [{"format": "jpg", "name": "u", "url": "https://example.com/a.jpg"}]},
        "template.json": {"version": "V2", "requestId": 3, "timestamp": "1722225600000", "lang": "ko,en",
                          "images": [{"format": "png", "name": "t", "data": img64, "templateIds": [1, 2]}]},
        "lenient.json": {"version": "V2", "requestId": 1.5, "timestamp": None, "enableTableDetection": "true",
                         "images": [{"format": "pdf", "name": 7, "data": "data:image/png;base64," + img64,
                                     "url": None}]},
        "document.json": {"requestId": "d", "timestamp": 0, "lang": "ja",
                          "images": [{"format": "jpg", "name": "receipt", "data": img64[:40] + "\n" + img64[40:]}]},
    }
    for name, r in reqs.items():
        out("json_request", name, json.dumps(r))
    out("json_request", "bom-ws.json", b"\xef\xbb\xbf \n" + json.dumps(reqs["general-v2.json"]).encode())


def multipart_seeds():
    pngb = enc(img("RGB", (4, 4)), "PNG")
    msg = json.dumps({"version": "V2", "requestId": "m", "timestamp": 0, "lang": "ko",
                      "images": [{"format": "png", "name": "demo"}]}).encode()

    def body(boundary, parts):
        b = b""
        for disp, ctype, data in parts:
            b += b"--" + boundary + b"\r\n" + b"Content-Disposition: form-data; " + disp + b"\r\n"
            if ctype:
                b += b"Content-Type: " + ctype + b"\r\n"
            b += b"\r\n" + data + b"\r\n"
        return b + b"--" + boundary + b"--\r\n"

    bd = b"X-JIKJI-BOUNDARY"
    ct = b"multipart/form-data; boundary=" + bd + b"\n"
    out("multipart", "message-file.txt", ct + body(bd, [(b'name="message"', None, msg),
                                                        (b'name="file"; filename="a.png"', b"image/png", pngb)]))
    out("multipart", "file-first-json-part.txt", ct + body(bd, [
        (b'name="file"; filename="a.png"', b"application/octet-stream", pngb),
        (b'name="message"', b"application/json; charset=utf-8", msg)]))
    out("multipart", "extra-part.txt", ct + body(bd, [(b'name="other"', None, b"x"),
                                                      (b'name="message"', None, msg),
                                                      (b'name="file"; filename="a.png"', None, pngb)]))
    q = b'multipart/form-data; charset=utf-8; boundary="----WebKitFormBoundary7MA4YWxk"\n'
    out("multipart", "quoted-boundary.txt", q + body(b"----WebKitFormBoundary7MA4YWxk",
                                                     [(b'name="message"', None, msg), (b'name="file"', None, pngb)]))


def base64_seeds():
    raw = enc(img("RGB", (4, 4)), "PNG")
    s = base64.b64encode(raw).decode()
    out("base64_data", "std.txt", s)
    out("base64_data", "nopad-url.txt", base64.urlsafe_b64encode(b"\xfb\xff\xfe" * 5).decode().rstrip("="))
    out("base64_data", "data-uri-wrapped.txt", "data:image/png;base64," + "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76)))
    out("base64_data", "raw-bytes.bin", raw[:64])


decode_seeds()
json_seeds()
multipart_seeds()
base64_seeds()
