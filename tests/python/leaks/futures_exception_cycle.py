# SPDX-License-Identifier: MIT
"""A failed concurrent.futures Future, its exception and the frame holding the future: a cycle per failed batch.

Source:  python/cpython#80111 (bpo-35930), https://github.com/python/cpython/issues/80111
         python/cpython#131701 (gh-74028), https://github.com/python/cpython/pull/131701
Culprit: the failed Future's exception — "A failed future stores the raised
         exception in its ._exception attribute. We get a reference cycle if
         this exception's __traceback__ refers back to the future" (ebonnal,
         gh-74028); jcea (bpo-35930): re-raising it in result() captures the
         current context, and with it a reference back to the future. The
         cycle keeps every result of the batch alive until the collector
         runs.
Command: cycles
Expect:  ConversionError
Dumps:   1

A thumbnail service converts a batch of images on a ThreadPoolExecutor and
collects the results in the function that submitted them: its local `fs`
holds the batch's futures. When one conversion fails, fs[i].result()
re-raises the ConversionError in that frame; the service logs it and moves
on. The exception's traceback holds the frame, the frame holds `fs`, `fs`
the failed future, the future the exception: a garbage cycle that keeps
every finished image of the batch. With the collector off (gc.disable(),
as the CPython reports' reproducers do) 30 failed batches are 30 such
cycles at the dump. Unrelated live data: the good batches' thumbnails.
"""

import concurrent.futures
import gc
import os
import sys

import heapsnap


class ConversionError(Exception):
    pass


def convert(image_id, size):
    if image_id % 20 == 7:
        raise ConversionError("image %d: unsupported colour profile" % image_id)
    return bytes(size) + b"%d" % image_id


def convert_batch(pool, ids):
    fs = [pool.submit(convert, i, 8000) for i in ids]
    thumbs = []
    for f in fs:
        thumbs.append(f.result())  # a failure re-raises here, in this frame
    return thumbs


def main():
    gc.disable()
    done, failed = {}, []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        for b in range(60):
            ids = list(range(b * 20, b * 20 + 20))  # image b*20+7 fails: every odd batch hits it
            if b % 2 == 0:
                ids = [i for i in range(b * 20, b * 20 + 21) if i % 20 != 7]
            try:
                done[b] = [len(t) for t in convert_batch(pool, ids)]
            except ConversionError as e:
                failed.append(str(e))
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    # the leak itself: garbage cycles that only a collection frees
    before = sum(1 for o in gc.get_objects() if isinstance(o, ConversionError))
    gc.collect()
    after = sum(1 for o in gc.get_objects() if isinstance(o, ConversionError))
    if (len(failed), before, after) != (30, 30, 0):
        sys.exit("did not reproduce: %d failed batches, %d ConversionErrors alive, %d after a collection"
                 % (len(failed), before, after))
    return done, failed


if __name__ == "__main__":
    keep = main()
