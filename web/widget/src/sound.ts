// A short two-note chime, synthesized (no audio file to download).
let context: AudioContext | undefined;

export function chime(): void {
  try {
    context ||= new AudioContext();
    const now = context.currentTime;
    for (const [i, frequency] of [880, 1320].entries()) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.12, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.001, now + i * 0.12 + 0.25);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(now + i * 0.12);
      oscillator.stop(now + i * 0.12 + 0.25);
    }
  } catch { /* no audio here */ }
}
