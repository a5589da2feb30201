#!/usr/bin/env python3
"""Symbol counts for the cat PNG deflate table (pipeline/src/encode/sprite_deflate.rs).

Reads the golden cats (tests/golden/cats.png, our own art rendered by the game's
arithmetic), filters every 50x50 cell's rows with PNG's Up filter (filter byte 2 on every
row, the row above the first taken as zeros, as the encoder does) and counts the deflate
symbols the encoder sends: literals, and for runs of five or more zero bytes one literal
zero plus matches at distance 1 (length symbols 257-285). Prints the 286 counts as the
Rust array the encoder builds its Huffman code from.

    python3 scripts/deflate_counts.py [tests/golden/cats.png]
"""
import sys

import numpy as np
from PIL import Image

LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
               67, 83, 99, 115, 131, 163, 195, 227, 258]


def length_symbol(n):
    return 257 + max(i for i, b in enumerate(LENGTH_BASE) if n >= b)


def count_run(counts, run):
    if run <= 4:
        counts[0] += run
        return
    counts[0] += 1
    run -= 1
    while run > 258:
        m = 258 if run - 258 >= 3 else run - 3
        counts[length_symbol(m)] += 1
        run -= m
    counts[length_symbol(run)] += 1


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/cats.png"
    image = np.array(Image.open(path).convert("RGBA")).astype(np.int16)
    counts = [0] * 286
    for y in range(0, image.shape[0], 50):
        for x in range(0, image.shape[1], 50):
            cell = image[y:y + 50, x:x + 50]
            if not cell[..., 3].any():
                continue
            above = np.concatenate([np.zeros((1, 50, 4), np.int16), cell[:-1]])
            rows = ((cell - above) % 256).astype(np.uint8).reshape(50, 200)
            stream = np.concatenate([np.full((50, 1), 2, np.uint8), rows], 1).reshape(-1)
            run = 0
            for b in stream.tolist():
                if b == 0:
                    run += 1
                    continue
                if run:
                    count_run(counts, run)
                    run = 0
                counts[b] += 1
            if run:
                count_run(counts, run)
            counts[256] += 1
    print("[")
    for i in range(0, 286, 12):
        print("    " + " ".join(f"{c}," for c in counts[i:i + 12]))
    print("]")


if __name__ == "__main__":
    main()
