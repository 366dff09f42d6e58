# SPDX-License-Identifier: MIT
"""ctypes.cast() on a fresh buffer: the buffer and its _objects dict form a cycle (Hikvision bridge).

Source:  pergolafabio/Hikvision-Addons#371, https://github.com/pergolafabio/Hikvision-Addons/issues/371
         (the CPython side: bpo-12836, cited in numpy/numpy#14469, https://github.com/numpy/numpy/pull/14469)
Culprit: the output buffers call_ISAPI() attaches with cast(buffer,
         c_void_p) — "ctypes' cast() stores the source object inside the
         source's own _objects dict (which it shares with the result). That
         is a reference cycle: buffer -> buffer._objects -> buffer.
         Reference counting can never free it; only the cyclic garbage
         collector can" (reporter, who proved it under gc.disable()).
Command: cycles
Expect:  c_char_Array_65536
Dumps:   1

The bridge polls the door station's ISAPI every few seconds; each call
allocates a status buffer and an output buffer as (c_char * size)(),
points the SDK's output struct at them with cast(buffer, c_void_p), calls
the SDK and decodes the answer. Each call leaves two {dict, c_char_Array}
cycles, each holding its buffer; the reporter saw 2 MB per poll until the
collector ran. Here the buffers are 64 KiB and the collector is off.
Unrelated live data: the decoded call states and the device list.
"""

import ctypes
import gc
import os
import sys

import heapsnap

BUFFER_SIZE = 65536


class NET_DVR_XML_CONFIG_OUTPUT(ctypes.Structure):
    _fields_ = [("dwSize", ctypes.c_uint32),
                ("lpOutBuffer", ctypes.c_void_p),
                ("dwOutBufferSize", ctypes.c_uint32),
                ("dwReturnedXMLSize", ctypes.c_uint32),
                ("lpStatusBuffer", ctypes.c_void_p),
                ("dwStatusSize", ctypes.c_uint32)]


def sdk_call(output, request):
    # the SDK writes its answer into the buffers the struct points at
    answer = b"<CallStatus><status>idle</status><seq>%d</seq></CallStatus>" % len(request)
    ctypes.memmove(output.lpOutBuffer, answer, len(answer))
    output.dwReturnedXMLSize = len(answer)
    return True


def call_ISAPI(url):
    outputStruct = NET_DVR_XML_CONFIG_OUTPUT()
    outputStruct.dwSize = ctypes.sizeof(outputStruct)
    responseStatusBuffer = (ctypes.c_char * BUFFER_SIZE)()
    outputStruct.lpStatusBuffer = ctypes.cast(responseStatusBuffer, ctypes.c_void_p)
    outputStruct.dwStatusSize = BUFFER_SIZE
    outputBuffer = (ctypes.c_char * BUFFER_SIZE)()
    outputStruct.lpOutBuffer = ctypes.cast(outputBuffer, ctypes.c_void_p)
    outputStruct.dwOutBufferSize = BUFFER_SIZE
    sdk_call(outputStruct, url.encode())
    return outputBuffer.raw[: outputStruct.dwReturnedXMLSize].decode()


def main():
    gc.disable()
    devices = [{"serial": "DS-KD8003-%06d" % i, "ip": "192.168.1.%d" % (10 + i), "channels": list(range(16))}
               for i in range(40)]
    states = []
    for poll in range(150):
        states.append(call_ISAPI("GET /ISAPI/VideoIntercom/callStatus?format=json&poll=%d" % poll))
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    # the leak itself: garbage cycles that only a collection frees
    before = sum(1 for o in gc.get_objects() if isinstance(o, ctypes.c_char * BUFFER_SIZE))
    gc.collect()
    after = sum(1 for o in gc.get_objects() if isinstance(o, ctypes.c_char * BUFFER_SIZE))
    if (before, after) != (2 * 150, 0):
        sys.exit("did not reproduce: %d buffers alive, %d after a collection" % (before, after))
    return devices, states


if __name__ == "__main__":
    keep = main()
