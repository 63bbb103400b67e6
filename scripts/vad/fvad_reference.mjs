// WebRTC VAD reference for syncdsp's voice activity detector.
//
// Runs libfvad (the WebRTC VAD, compiled to WASM: npm @echogarden/fvad-wasm 0.2.0, BSD-3-Clause)
// on a 16-bit PCM mono WAV and writes its decisions for modes 0..3 as one NPY file per frame size:
//   <out_prefix>_fvad_<ms>ms.npy   uint8, shape (4, floor(N / (rate * ms / 1000)))
// Frames are consecutive, without overlap, and the incomplete tail is dropped (libfvad takes only
// whole 10/20/30 ms frames). Each mode uses a fresh instance, so no state crosses modes.
//
//   cd scripts/vad && npm ci && node fvad_reference.mjs IN.wav OUT_PREFIX [10,20,30]
import fs from 'node:fs';
import fvadModule from '@echogarden/fvad-wasm';

function readWavInt16Mono(path) {
  const b = fs.readFileSync(path);
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error(`${path}: not a RIFF/WAVE file`);
  let pos = 12, fmt = null, data = null;
  while (pos + 8 <= b.length) {
    const id = b.toString('ascii', pos, pos + 4), size = b.readUInt32LE(pos + 4);
    const body = pos + 8;
    if (id === 'fmt ') fmt = { format: b.readUInt16LE(body), channels: b.readUInt16LE(body + 2), rate: b.readUInt32LE(body + 4), bits: b.readUInt16LE(body + 14) };
    if (id === 'data') data = b.subarray(body, Math.min(b.length, body + size));
    pos = body + size + (size & 1);
  }
  if (!fmt || !data) throw new Error(`${path}: missing fmt or data chunk`);
  if (fmt.format !== 1 || fmt.bits !== 16 || fmt.channels !== 1) throw new Error(`${path}: need 16-bit PCM mono, got format ${fmt.format}, ${fmt.bits} bits, ${fmt.channels} channels`);
  const samples = new Int16Array(data.length >> 1);
  for (let i = 0; i < samples.length; ++i) samples[i] = data.readInt16LE(2 * i);
  return { rate: fmt.rate, samples };
}

function writeNpyUint8(path, rows, cols, bytes) {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1'); pre[6] = 1; pre[7] = 0; pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(bytes)]));
}

const [input, prefix, msList = '10,20,30'] = process.argv.slice(2);
if (!input || !prefix) { console.error('usage: node fvad_reference.mjs IN.wav OUT_PREFIX [10,20,30]'); process.exit(2); }
const { rate, samples } = readWavInt16Mono(input);
const m = await fvadModule();
for (const ms of msList.split(',').map(Number)) {
  const len = rate * ms / 1000;
  const frames = Math.floor(samples.length / len);
  const out = new Uint8Array(4 * frames);
  const buf = m._malloc(2 * len);
  const t0 = process.hrtime.bigint();
  for (let mode = 0; mode < 4; ++mode) {
    const inst = m._fvad_new();
    if (!inst) throw new Error('fvad_new failed');
    if (m._fvad_set_mode(inst, mode) !== 0) throw new Error(`fvad_set_mode(${mode}) failed`);
    if (m._fvad_set_sample_rate(inst, rate) !== 0) throw new Error(`fvad_set_sample_rate(${rate}) failed: libfvad takes 8000/16000/32000/48000 Hz`);
    for (let t = 0; t < frames; ++t) {
      m.HEAP16.set(samples.subarray(t * len, (t + 1) * len), buf >> 1);
      const r = m._fvad_process(inst, buf, len);
      if (r < 0) throw new Error(`fvad_process failed at frame ${t}`);
      out[mode * frames + t] = r;
    }
    m._fvad_free(inst);
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  m._free(buf);
  const path = `${prefix}_fvad_${ms}ms.npy`;
  writeNpyUint8(path, 4, frames, out);
  const frac = [0, 1, 2, 3].map(k => (100 * out.subarray(k * frames, (k + 1) * frames).reduce((a, v) => a + v, 0) / Math.max(1, frames)).toFixed(1));
  console.log(`${path}: ${frames} frames of ${ms} ms, speech % modes 0-3: ${frac.join(' / ')}, ${secs.toFixed(3)} s for 4 modes`);
}
