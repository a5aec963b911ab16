// The time machine's controls, shared by the chapters that replay a training run (6 and 6b): a
// scrubber over the epochs the run kept, play/pause, one epoch back or forward, and a speed. The
// replayed epoch is the chapter's `epoch` state field (0: the final weights); the chapter draws.
import { el } from "./draw.js";

const SPEEDS = [1, 2, 5, 10, 20];

/**
 * {element, playing, epochShown(state), setup(held), show(epoch), stop()}. `epochs()` gives the
 * epochs the shown run holds; `onInput(timeStamp)` is told of each scrubber input (bench timing).
 */
export function replayBar(store, epochs, { onInput } = {}) {
  const scrub = el("input", { type: "range", min: 0, max: 0, step: 1, value: 0, "aria-label": "replay: epoch shown" });
  const label = el("span", { class: "epoch", "aria-live": "polite" });
  const play = el("button", { type: "button", text: "▶ Play", "aria-label": "play the training run" });
  const back = el("button", { type: "button", class: "secondary", text: "◀ 1", "aria-label": "one epoch back" });
  const fwd = el("button", { type: "button", class: "secondary", text: "1 ▶", "aria-label": "one epoch forward" });
  const speed = el("select", { "aria-label": "replay speed" }, SPEEDS.map((v) => el("option", { value: v, text: `${v} epochs/s` })));
  speed.value = "5";
  const element = el("div", { class: "replay", hidden: true, role: "group", "aria-label": "replay the training run" },
    el("strong", { text: "Replay" }), back, play, fwd, scrub, label, speed);
  let timer = null;

  /** The epoch drawn for `state`: its `epoch` if the run holds it, else 0 (the final weights). */
  const epochShown = (state) => (epochs().includes(state.epoch) ? state.epoch : 0);

  const stepBy = (d) => {
    const held = epochs();
    if (!held.length) return;
    const cur = epochShown(store.state) || held.at(-1);
    const i = Math.max(0, Math.min(held.length - 1, held.indexOf(cur) + d));
    store.set({ epoch: held[i] });
  };

  function stop() {
    clearInterval(timer);
    timer = null;
    play.textContent = "▶ Play";
    play.setAttribute("aria-label", "play the training run");
  }

  play.addEventListener("click", () => {
    if (timer) {
      stop();
      return;
    }
    const held = epochs();
    if (!held.length) return;
    // From the end, a replay starts again at the first epoch.
    if (!epochShown(store.state) || epochShown(store.state) === held.at(-1)) store.set({ epoch: held[0] });
    play.textContent = "❚❚ Pause";
    play.setAttribute("aria-label", "pause the replay");
    timer = setInterval(() => {
      if (epochShown(store.state) === held.at(-1)) {
        stop();
        return;
      }
      stepBy(1);
    }, 1000 / Number(speed.value));
  });
  speed.addEventListener("change", () => {
    if (timer) {
      stop();
      play.click();
    }
  });
  back.addEventListener("click", () => {
    stop();
    stepBy(-1);
  });
  fwd.addEventListener("click", () => {
    stop();
    stepBy(1);
  });
  scrub.addEventListener("input", (e) => {
    stop();
    onInput?.(e.timeStamp > 0 ? e.timeStamp : performance.now());
    store.set({ epoch: epochs()[Number(scrub.value)] ?? 0 });
  });

  return {
    element,
    /** True while the replay plays (the chapter may then skip its debounce). */
    get playing() {
      return timer !== null;
    },
    epochShown,
    stop,
    /** Show the bar for a run holding `held` epochs; disabled (returns false) when it holds none. */
    setup(held) {
      element.hidden = false;
      const any = held.length > 0;
      for (const c of [scrub, play, back, fwd, speed]) c.disabled = !any;
      if (any) scrub.max = String(held.length - 1);
      else label.textContent = "";
      return any;
    },
    /** Put the scrubber and its label on `epoch` (0: the final weights). */
    show(epoch) {
      const held = epochs();
      const i = held.indexOf(epoch);
      scrub.value = String(i >= 0 ? i : held.length - 1);
      label.textContent = held.length ? (epoch ? `epoch ${epoch} of ${held.at(-1)}` : "final weights") : "";
    },
  };
}
