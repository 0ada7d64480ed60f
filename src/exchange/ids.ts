// UUIDv7 for the event hot path: the library's generator (monotonic within a millisecond), fed
// from a large random buffer. The default buffers 8 words, so each id costs a getRandomValues
// call; a 10,000-event batch made that a visible share of the profile.
import { randomFillSync } from "node:crypto";
import { V7Generator } from "uuidv7";

class BufferedRandom {
  private readonly buffer = new Uint32Array(4096);
  private cursor = this.buffer.length;
  nextUint32(): number {
    if (this.cursor >= this.buffer.length) {
      randomFillSync(this.buffer);
      this.cursor = 0;
    }
    return this.buffer[this.cursor++]!;
  }
}

const generator = new V7Generator(new BufferedRandom());

export const fastUuidv7 = (): string => generator.generate().toString();
