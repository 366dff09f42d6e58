# SPDX-License-Identifier: MIT
"""functools.lru_cache on a method keeps every instance alive (ipfx's EphysNWBData).

Source:  AllenInstitute/ipfx#495, https://github.com/AllenInstitute/ipfx/issues/495
         (fixed by #497, https://github.com/AllenInstitute/ipfx/pull/497)
Culprit: the lru_cache on EphysNWBData._get_series — "causes a memory leak
         because `self` is passed to the cache, meaning the object can never
         be let go" (reporter); the MIESNWBData subclass's `notebook` (a
         LabNotebookReaderIgorNwb with large arrays) goes with it. The fix
         replaced functools.lru_cache with methodtools.lru_cache.
Command: top
Expect:  _get_series
Dumps:   1

A QC pipeline loads one NWB file after another through
create_ephys_data_set(), reads a few sweeps and drops the data set. The
@lru_cache(maxsize=None) on _get_series keys every call on (self,
sweep_number), so the class-level wrapper's cache holds each data set, its
lab notebook arrays and the cached series. Unrelated live data: the
stimulus ontology and the pipeline's per-cell feature table.
"""

import array
import functools
import os
import sys

import heapsnap


class StimulusOntology:
    def __init__(self):
        self.stimuli = [{"code": "C1LSCOARSE%03d" % i, "name": "Long Square %d" % i,
                         "tags": ["Long Square", "Coarse", "core %d" % (i % 2 + 1)]} for i in range(900)]


class LabNotebookReaderIgorNwb:
    """The Igor lab notebook: numeric and text arrays read from the file."""

    def __init__(self, path):
        self.path = path
        self.numeric = array.array("d", range(6000))
        self.text = ["setting %d" % i for i in range(300)]


class EphysNWBData:
    def __init__(self, nwb_file, ontology, load_into_memory=True):
        self.nwb_file = nwb_file
        self.ontology = ontology
        self.sweeps = list(range(40))

    @functools.lru_cache(maxsize=None)
    def _get_series(self, sweep_number):
        return {"stimulus": array.array("f", [0.0]) * 1500,
                "response": array.array("f", [float(sweep_number)]) * 1500,
                "sampling_rate": 200000.0}

    def get_sweep_data(self, sweep_number):
        series = self._get_series(sweep_number)
        return series["response"][:10]


class MIESNWBData(EphysNWBData):
    def __init__(self, nwb_file, notebook, ontology, load_into_memory=True):
        super().__init__(nwb_file, ontology, load_into_memory)
        self.notebook = notebook


def load_data_set(nwb_path, ontology):
    labnotebook = LabNotebookReaderIgorNwb(nwb_path)
    return MIESNWBData(nwb_file=nwb_path, notebook=labnotebook, ontology=ontology)


def main():
    ontology = StimulusOntology()
    features = {}
    for cell in range(120):
        data_set = load_data_set("/data/nwb2_cell_%05d.nwb" % cell, ontology)
        v = [data_set.get_sweep_data(s)[0] for s in data_set.sweeps[:4]]
        features["cell_%05d" % cell] = {"v_baseline": sum(v) / len(v), "sweeps": len(data_set.sweeps)}
        del data_set
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    cached = EphysNWBData._get_series.cache_info().currsize
    if cached != 120 * 4:  # the leak itself, whatever the analyzer says
        sys.exit("did not reproduce: %d cached series" % cached)
    return ontology, features


if __name__ == "__main__":
    keep = main()
