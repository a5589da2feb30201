"""Minimal, exact PNG reader/writer in pure Python (zlib only).

read_png(path) -> (width, height, rgba_bytes)
  Decodes to raw 8-bit RGBA, row-major, *without* any gamma / ICC / sRGB / cHRM handling
  (those chunks are skipped like every other ancillary chunk), as spec §1 requires.
  Supports every standard PNG: colour types 0 (grey), 2 (RGB), 3 (palette), 4 (grey+alpha),
  6 (RGBA); bit depths 1, 2, 4, 8, 16; tRNS; Adam7 interlacing.
  Expansion rules (the same as libpng's expand + strip_16 and the Rust `png` crate's
  EXPAND | STRIP_16):
    * grey of depth < 8 is scaled to 8 bits by bit replication (1-bit: 0/255, 2-bit: *85,
      4-bit: *17);
    * 16-bit samples keep their high byte;
    * palette entries beyond the tRNS table are opaque; a tRNS colour key in grey/RGB images
      makes the matching pixels (compared at the image's own bit depth) alpha 0 and keeps
      their colour.
write_png(path_or_file, width, height, rgba_bytes)
  Writes RGBA8, no ancillary chunks, so that a reader sees exactly these bytes.
"""
import struct
import zlib

_SIG = b"\x89PNG\r\n\x1a\n"

# byte-wise addition modulo 256 on big ints (SWAR)
def _swar_masks(n):
    lo7 = int.from_bytes(b"\x7f" * n, "big")
    hi1 = int.from_bytes(b"\x80" * n, "big")
    return lo7, hi1


def _add_bytes(a: int, b: int, lo7: int, hi1: int) -> int:
    return ((a & lo7) + (b & lo7)) ^ ((a ^ b) & hi1)


def _unfilter(data: bytes, width: int, height: int, bpp: int, bits_per_px: int) -> list:
    """Undo the PNG filters of one (sub)image; returns a list of row bytes."""
    stride = (width * bits_per_px + 7) // 8
    rows = []
    prev = bytes(stride)
    pos = 0
    lo7, hi1 = _swar_masks(stride)
    for _ in range(height):
        ftype = data[pos]
        raw = data[pos + 1 : pos + 1 + stride]
        pos += 1 + stride
        if len(raw) != stride:
            raise ValueError("PNG: truncated image data")
        if ftype == 0:
            row = bytes(raw)
        elif ftype == 1:  # Sub: inclusive scan per byte lane with step bpp (SWAR, log steps)
            # big-endian: byte i - k sits 8*k bits above byte i, so x >> 8k aligns it with i
            x = int.from_bytes(raw, "big")
            shift = bpp
            while shift < stride:
                x = _add_bytes(x, x >> (8 * shift), lo7, hi1)
                shift *= 2
            row = x.to_bytes(stride, "big")
        elif ftype == 2:  # Up
            x = _add_bytes(int.from_bytes(raw, "big"), int.from_bytes(prev, "big"), lo7, hi1)
            row = x.to_bytes(stride, "big")
        elif ftype == 3:  # Average
            r = bytearray(raw)
            for i in range(stride):
                left = r[i - bpp] if i >= bpp else 0
                r[i] = (r[i] + ((left + prev[i]) >> 1)) & 0xFF
            row = bytes(r)
        elif ftype == 4:  # Paeth
            r = bytearray(raw)
            for i in range(bpp):
                r[i] = (r[i] + prev[i]) & 0xFF
            for i in range(bpp, stride):
                a = r[i - bpp]
                b = prev[i]
                c = prev[i - bpp]
                pa = b - c
                pb = a - c
                pc = pa + pb
                if pa < 0:
                    pa = -pa
                if pb < 0:
                    pb = -pb
                if pc < 0:
                    pc = -pc
                if pa <= pb and pa <= pc:
                    p = a
                elif pb <= pc:
                    p = b
                else:
                    p = c
                r[i] = (r[i] + p) & 0xFF
            row = bytes(r)
        else:
            raise ValueError(f"PNG: bad filter type {ftype}")
        rows.append(row)
        prev = row
    return rows, pos


def _row_to_rgba(row: bytes, width: int, ctype: int, depth: int, palette, trns) -> bytes:
    """One unfiltered row -> RGBA8 bytes."""
    if depth == 16:
        if ctype == 0:
            keys = struct.unpack(f">{width}H", row)
            g = row[0::2]
            a = bytes(0 if (trns is not None and k == trns) else 255 for k in keys)
            return _interleave(g, g, g, a)
        if ctype == 2:
            r, gg, b = row[0::6], row[2::6], row[4::6]
            if trns is not None:
                vals = struct.unpack(f">{3 * width}H", row)
                a = bytes(
                    0 if (vals[3 * i], vals[3 * i + 1], vals[3 * i + 2]) == trns else 255 for i in range(width)
                )
            else:
                a = b"\xff" * width
            return _interleave(r, gg, b, a)
        if ctype == 4:
            g = row[0::4]
            return _interleave(g, g, g, row[2::4])
        if ctype == 6:
            return _interleave(row[0::8], row[2::8], row[4::8], row[6::8])
        raise ValueError("PNG: bad 16-bit colour type")
    if depth == 8:
        if ctype == 6:
            return row
        if ctype == 2:
            r, g, b = row[0::3], row[1::3], row[2::3]
            if trns is not None:
                a = bytes(0 if (row[3 * i], row[3 * i + 1], row[3 * i + 2]) == trns else 255 for i in range(width))
            else:
                a = b"\xff" * width
            return _interleave(r, g, b, a)
        if ctype == 4:
            g = row[0::2]
            return _interleave(g, g, g, row[1::2])
        if ctype == 0:
            a = b"\xff" * width if trns is None else bytes(0 if v == trns else 255 for v in row)
            return _interleave(row, row, row, a)
        if ctype == 3:
            return b"".join(palette[i] for i in row[:width])
        raise ValueError("PNG: bad 8-bit colour type")
    # depth 1, 2, 4: grey or palette, packed MSB first
    per = 8 // depth
    mask = (1 << depth) - 1
    idx = []
    for byte in row:
        for k in range(per):
            idx.append((byte >> (8 - depth * (k + 1))) & mask)
    idx = idx[:width]
    if ctype == 3:
        return b"".join(palette[i] for i in idx)
    if ctype == 0:
        scale = 255 // mask
        return b"".join(
            bytes((v * scale, v * scale, v * scale, 0 if (trns is not None and v == trns) else 255)) for v in idx
        )
    raise ValueError("PNG: bad low bit-depth colour type")


def _interleave(r, g, b, a) -> bytes:
    n = len(a)
    out = bytearray(4 * n)
    out[0::4], out[1::4], out[2::4], out[3::4] = r[:n], g[:n], b[:n], a
    return bytes(out)


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def decode_png(blob: bytes):
    if blob[:8] != _SIG:
        raise ValueError("not a PNG file")
    pos = 8
    idat = []
    ihdr = None
    plte = None
    trns_raw = None
    while pos < len(blob):
        (length,) = struct.unpack(">I", blob[pos : pos + 4])
        ctype = blob[pos + 4 : pos + 8]
        body = blob[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"PLTE":
            plte = body
        elif ctype == b"tRNS":
            trns_raw = body
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
        # every other chunk (gAMA, iCCP, sRGB, cHRM, pHYs, text ...) is ignored on purpose
    if ihdr is None:
        raise ValueError("PNG: no IHDR")
    width, height, depth, ctype, _comp, _filt, interlace = ihdr
    if ctype not in _CHANNELS or depth not in (1, 2, 4, 8, 16):
        raise ValueError(f"PNG: unsupported colour type {ctype} / depth {depth}")
    palette = None
    trns = None
    if ctype == 3:
        if plte is None:
            raise ValueError("PNG: palette image without PLTE")
        n = len(plte) // 3
        alphas = trns_raw or b""
        palette = [
            bytes((plte[3 * i], plte[3 * i + 1], plte[3 * i + 2], alphas[i] if i < len(alphas) else 255))
            for i in range(n)
        ]
        palette += [b"\x00\x00\x00\xff"] * (256 - n)  # out-of-range indices: opaque black
    elif trns_raw is not None:
        if ctype == 0:
            trns = struct.unpack(">H", trns_raw[:2])[0]
        elif ctype == 2:
            trns = struct.unpack(">HHH", trns_raw[:6])
    data = zlib.decompress(b"".join(idat))
    bits_per_px = _CHANNELS[ctype] * depth
    bpp = max(1, bits_per_px // 8)
    if interlace == 0:
        rows, _ = _unfilter(data, width, height, bpp, bits_per_px)
        out = b"".join(_row_to_rgba(r, width, ctype, depth, palette, trns) for r in rows)
        return width, height, out
    # Adam7
    out = bytearray(4 * width * height)
    pos = 0
    for x0, y0, dx, dy in _ADAM7:
        pw = (width - x0 + dx - 1) // dx if width > x0 else 0
        ph = (height - y0 + dy - 1) // dy if height > y0 else 0
        if pw == 0 or ph == 0:
            continue
        rows, used = _unfilter(data[pos:], pw, ph, bpp, bits_per_px)
        pos += used
        for j, r in enumerate(rows):
            px = _row_to_rgba(r, pw, ctype, depth, palette, trns)
            y = y0 + j * dy
            for i in range(pw):
                x = x0 + i * dx
                o = 4 * (y * width + x)
                out[o : o + 4] = px[4 * i : 4 * i + 4]
    return width, height, bytes(out)


def read_png(path):
    with open(path, "rb") as f:
        return decode_png(f.read())


def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)


def encode_png(width: int, height: int, rgba: bytes, level: int = 9) -> bytes:
    if len(rgba) != 4 * width * height:
        raise ValueError("encode_png: size mismatch")
    stride = 4 * width
    raw = b"".join(b"\x00" + rgba[y * stride : (y + 1) * stride] for y in range(height))
    return (
        _SIG
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw, level))
        + _chunk(b"IEND", b"")
    )


def write_png(path_or_file, width: int, height: int, rgba: bytes) -> None:
    blob = encode_png(width, height, rgba)
    if hasattr(path_or_file, "write"):
        path_or_file.write(blob)
    else:
        with open(path_or_file, "wb") as f:
            f.write(blob)
