// Reads a match record's inputs (protocol::record): base64 of runs, each a LEB128 run length
// followed by one byte per recorded side. Test-side reader, to see which inputs reached the
// simulation.
import { execFileSync } from "node:child_process";

export const INPUT = { LEFT: 1, RIGHT: 2, JUMP_HELD: 4, JUMP_PRESSED: 8, KICK_PRESSED: 16 };

/// The mode of `genuineMatch`'s matches (the program's GENUINE_MODE).
export const GENUINE_MODE = { kind: "vs_computer", difficulty: "normal" };

/// A real match with `seed` (a started match's ticket's), played headless natively by
/// `stellar-heads-genuine-match` (xtask names it): `{ mode, result }`, where `result` is the
/// submission whose record re-plays to its score in that match.
export function genuineMatch(seed) {
  const program = process.env.STELLAR_HEADS_GENUINE_MATCH;
  if (!program) throw new Error("STELLAR_HEADS_GENUINE_MATCH is not set (run through `cargo xtask test`)");
  return JSON.parse(execFileSync(program, ["--seed", String(seed)], { encoding: "utf8" }));
}

export function recordFrames(record) {
  const sides = record.mode.kind === "local_two_player" ? 2 : 1;
  const bytes = Buffer.from(record.inputs, "base64");
  const frames = [];
  let at = 0;
  while (at < bytes.length) {
    let length = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      length |= (byte & 0x7f) << shift;
      shift += 7;
      if ((byte & 0x80) === 0) break;
    }
    const frame = [0, 0];
    for (let side = 0; side < sides; side++) frame[side] = bytes[at++];
    for (let i = 0; i < length; i++) frames.push(frame);
  }
  if (frames.length !== record.ticks) throw new Error(`the record holds ${frames.length} frames for ${record.ticks} ticks`);
  return frames;
}
