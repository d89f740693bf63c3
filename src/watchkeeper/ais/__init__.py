"""AIS: NMEA 0183 framing, tag blocks, reassembly, payload decoding, inputs and feeds."""

from watchkeeper.ais.decode import DecodeResult, StreamDecoder, decode_bytes
from watchkeeper.ais.reader import decode_file, iter_decode_file

__all__ = ["DecodeResult", "StreamDecoder", "decode_bytes", "decode_file", "iter_decode_file"]
