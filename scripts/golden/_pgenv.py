"""Import pygame-ce headless and with pygame's own (SDL1-style) alpha blitter.

Every script in scripts/golden imports pygame through this module so that:
  * no window / audio device is needed (SDL_VIDEODRIVER / SDL_AUDIODRIVER = dummy),
  * the support prompt is hidden,
  * PYGAME_BLEND_ALPHA_SDL2 is NOT set: with it, pygame hands alpha blits to SDL2's
    blitter, which uses a different formula than the one the game (and spec §3) uses.
"""
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
os.environ.pop("PYGAME_BLEND_ALPHA_SDL2", None)

import pygame  # noqa: E402

if not pygame.version.ver.startswith("2.5.3") or not getattr(pygame, "IS_CE", False):
    import sys

    print(
        f"warning: expected pygame-ce 2.5.3, found {'pygame-ce' if getattr(pygame, 'IS_CE', False) else 'pygame'} "
        f"{pygame.version.ver} (see scripts/golden/requirements.txt)",
        file=sys.stderr,
    )

# Surfaces in the game's layout: 32-bit ARGB8888 with per-pixel alpha. This is what
# pygame.Surface((w, h), SRCALPHA, 32) gives and what .convert_alpha() gives on a usual
# display; source and destination share it, so pygame takes its SIMD blitters (AVX2/SSE2)
# exactly as the game does.
SRCALPHA = pygame.SRCALPHA
