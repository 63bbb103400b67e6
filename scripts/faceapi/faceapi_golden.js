// faceapi_golden.js - runs @vladmandic/face-api 1.7.15 in Node on TF.js's pure-JS `cpu` backend
// (no native module) on real frames of ../shared/data and writes the golden JSON that
// tests/nn compares syncdsp's face detector and landmark nets against.
//
//   cd scripts/faceapi && npm ci
//   node faceapi_golden.js MODELS_DIR SHARED_DATA_DIR OUT.json [cpu|wasm]
//
// Frames are decoded with the same ffmpeg command line as syncdsp's io::decode_video (rgb24,
// passthrough timing), so both sides see identical pixels; the JSON records an FNV-1a hash of each
// frame so a test can tell when its ffmpeg decodes differently. Nothing derived from the media
// (no pixels) is written: only network outputs, boxes and landmarks.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

const FRAMES = [
  // [file relative to the shared data dir, frame index]
  ['lrs3_C8zY0oAdQrs_00018/uncropped_256.mp4', 0],
  ['lrs3_C8zY0oAdQrs_00018/uncropped_256.mp4', 50],
  ['lrs3_C8zY0oAdQrs_00018/uncropped_256.mp4', 200],
  ['lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4', 0],
  ['lrs3_C8zY0oAdQrs_00018/facecrop_224.mp4', 100],
  ['dev/deep_avsr_00001.mp4', 10],
  ['dev/pcavs_00015.mp4', 10],
  ['dev/sadtalker_RD_Radio2_000.mp4', 10],
  ['dev/video-retalking_5.mp4', 10],
];

function probeSize(file) {
  const r = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height',
    '-of', 'csv=p=0', '--', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe failed on ${file}: ${r.stderr}`);
  const [w, h] = r.stdout.trim().split(',').map(Number);
  return { w, h };
}

// Same argv as syncdsp::io::decode_video_stream with format rgb and max_frames = index + 1.
function decodeFrame(file, index) {
  const { w, h } = probeSize(file);
  const r = spawnSync('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0', '-an', '-fps_mode', 'passthrough',
    '-frames:v', String(index + 1), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg failed on ${file}: ${r.stderr}`);
  const n = w * h * 3;
  if (r.stdout.length < (index + 1) * n) throw new Error(`${file} has fewer than ${index + 1} frames`);
  return { w, h, pixels: r.stdout.subarray(index * n, (index + 1) * n) };
}

function fnv1a64(buf) {
  let h = 0xcbf29ce484222325n;
  const p = 0x100000001b3n;
  for (let i = 0; i < buf.length; i++) {
    h ^= BigInt(buf[i]);
    h = (h * p) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

const arr = (t) => Array.from(t.dataSync());

async function main() {
  const [modelDir, dataDir, outPath, backend = 'cpu'] = process.argv.slice(2);
  if (!modelDir || !dataDir || !outPath) {
    console.error('usage: node faceapi_golden.js MODELS_DIR SHARED_DATA_DIR OUT.json [cpu|wasm]');
    process.exit(2);
  }
  await tf.setBackend(backend);
  await tf.ready();
  await faceapi.nets.tinyFaceDetector.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68TinyNet.loadFromDisk(modelDir);

  const out = {
    generator: 'scripts/faceapi/faceapi_golden.js',
    backend: tf.getBackend(),
    tfjs: tf.version.tfjs,
    faceapi: faceapi.version,
    frames: [],
  };
  for (const [rel, index] of FRAMES) {
    const file = path.join(dataDir, rel);
    if (!fs.existsSync(file)) {
      console.error(`skip ${rel}: not found`);
      continue;
    }
    const { w, h, pixels } = decodeFrame(file, index);
    const img = tf.tensor3d(new Int32Array(pixels), [h, w, 3], 'int32');
    const frame = { file: rel, index, width: w, height: h, fnv1a64: fnv1a64(pixels), detector: {}, landmarks: {} };

    for (const inputSize of [416, 224]) {
      const netInput = await faceapi.toNetInput(img);
      const raw = faceapi.nets.tinyFaceDetector.forwardInput(netInput, inputSize);
      const dets = await faceapi.nets.tinyFaceDetector.locateFaces(img,
        new faceapi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: 0.5 }));
      frame.detector[String(inputSize)] = {
        raw_shape: raw.shape,
        raw: arr(raw),
        faces: dets.map((d) => ({ score: d.score, box: [d.box.x, d.box.y, d.box.width, d.box.height] })),
      };
      raw.dispose();
    }

    // Landmarks: face-api's own pipeline at 416 / 0.5 (detectAllFaces().withFaceLandmarks(tiny)),
    // plus the raw 136 outputs of each net for each face crop.
    for (const tiny of [false, true]) {
      const net = tiny ? faceapi.nets.faceLandmark68TinyNet : faceapi.nets.faceLandmark68Net;
      const res = await faceapi.detectAllFaces(img, new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }))
        .withFaceLandmarks(tiny);
      const faces = [];
      for (const r of res) {
        const [crop] = await faceapi.extractFaceTensors(img, [r.detection]);
        const ni = await faceapi.toNetInput(crop);
        const rawT = net.runNet(ni);
        faces.push({
          score: r.detection.score,
          box: [r.detection.box.x, r.detection.box.y, r.detection.box.width, r.detection.box.height],
          crop_hw: crop.shape.slice(0, 2),
          raw136: arr(rawT),
          points: r.landmarks.positions.map((p) => [p.x, p.y]),
        });
        rawT.dispose();
        crop.dispose();
      }
      frame.landmarks[tiny ? 'tiny' : 'full'] = faces;
      // The whole frame as the face box (what a face-crop video needs when the detector misses):
      // net.detectLandmarks(image) = crop (0, 0, W, H).
      const whole = await net.detectLandmarks(img);
      const wi = await faceapi.toNetInput(img);
      const wraw = net.runNet(wi);
      frame.landmarks[tiny ? 'tiny_whole_frame' : 'full_whole_frame'] = {
        raw136: arr(wraw),
        points: whole.positions.map((p) => [p.x, p.y]),
      };
      wraw.dispose();
    }
    img.dispose();
    out.frames.push(frame);
    console.error(`${rel}#${index}: ${w}x${h}, faces@416 ${frame.detector['416'].faces.length}, @224 ${frame.detector['224'].faces.length}`);
  }
  fs.writeFileSync(outPath, JSON.stringify(out));
  console.error(`wrote ${outPath}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
