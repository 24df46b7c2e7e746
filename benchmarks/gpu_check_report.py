"""``gpu_check``'s verdicts and printed table, from its result (plain data, as written to JSON)."""

from __future__ import annotations

SPEEDUP_GOAL = 5.0  # engine img/s over the DataLoader loop's, ResNet-18
MATMUL_FRACTION_GOAL = 0.40  # engine TFLOP/s over the measured bf16 matmul TFLOP/s, ResNet-50
INPUT_SHARE_GOAL = 0.05  # augment + normalise time over step time, every engine row


def goals(rows: list[dict]) -> list[dict]:
    """The three goals with the measured value and met / not met (the engine's best setting for
    the first two, its worst row for the input pipeline)."""
    engine = [row for row in rows if row.get("side") == "engine" and "skipped" not in row]

    def best(model: str, key: str) -> dict | None:
        candidates = [row for row in engine if row["model"] == model]
        return max(candidates, key=lambda row: row[key]) if candidates else None

    def where(row: dict) -> str:
        return f"{row['model']}, batch {row['batch_size']}, {'compiled' if row['compile'] else 'eager'}"

    fastest, densest = best("resnet18", "speedup"), best("resnet50", "fraction_of_bf16_matmul")
    slowest_input = max(engine, key=lambda row: row["input_share"]) if engine else None
    verdicts = [
        ("engine >= 5x the DataLoader loop on ResNet-18", fastest, "speedup", SPEEDUP_GOAL, lambda v: f"{v:.1f}x"),
        ("engine >= 40 % of the measured bf16 matmul rate on ResNet-50", densest, "fraction_of_bf16_matmul",
         MATMUL_FRACTION_GOAL, lambda v: f"{100 * v:.0f} %"),
    ]
    result = [{"goal": goal, "value": row[key] if row else None, "shown": f"{shown(row[key])} ({where(row)})"
               if row else "not measured", "met": bool(row) and row[key] >= threshold}
              for goal, row, key, threshold, shown in verdicts]
    share = slowest_input["input_share"] if slowest_input else None
    shown = f"{100 * share:.1f} % at most ({where(slowest_input)})" if slowest_input else "not measured"
    result.append({"goal": "input pipeline (augment + normalise) < 5 % of step time", "value": share,
                   "shown": shown, "met": share is not None and share < INPUT_SHARE_GOAL})
    return result


def passed(correctness: dict) -> bool:
    """Whether every correctness check passed (a skipped check counts as passed; it says why)."""
    models_ok = all(row["finite"] and row["decreasing"] for row in correctness["models"])
    return (models_ok and correctness["resume"]["same"] and correctness["torchrun"]["ok"]
            and correctness["batch_runner"]["ok"] is not False)


def table(result: dict) -> str:
    """The short printed summary: the device, each check, the speed table, time to accuracy, goals."""
    device, check = result["device"], result["correctness"]
    lines = [f"GPU check: {device['name']} (driver {device['driver']}, CUDA {device['cuda_runtime']}, torch "
             f"{device['versions']['torch']}), {device['date']}", *(f"note: {note}" for note in result["notes"]),
             "", "correctness"]
    models = check["models"]
    precisions = sorted({row["precision"] + (" + scaler" if row["scaler"] else "") for row in models})
    lines.append(f"  models        {sum(row['finite'] for row in models)}/{len(models)} finite loss, "
                 f"{sum(row['decreasing'] for row in models)}/{len(models)} falling on a fixed batch "
                 f"({', '.join(precisions)}){_failed_models(models)}")
    resume = check["resume"]
    lines.append(f"  resume        {'same' if resume['same'] else 'DIFFERENT'} next-step loss after a checkpoint "
                 f"(difference {resume['difference']:.2g})")
    torchrun = check["torchrun"]
    lines.append("  torchrun      " + (f"ok: 1 process, {torchrun['backend']}, one epoch, loss "
                                        f"{torchrun['train_loss']:.3f}" if torchrun["ok"]
                                        else f"FAILED: {_first_line(torchrun.get('error'))}"))
    batch = check["batch_runner"]
    lines.append("  batch runner  " + (f"skipped: {batch['skipped']}" if batch["ok"] is None else
                                       f"ok: smoke 01, {batch['runs']} runs on {', '.join(batch['devices'])}, "
                                       f"{batch['seconds']:.0f} s" if batch["ok"]
                                       else f"FAILED: {_first_line(batch.get('error'))}"))
    ceiling = result["matmul_tflops"]
    lines += ["", f"speed (data: {result['data']}; matmul bf16 {ceiling['bf16']:.1f}, fp32 {ceiling['fp32']:.1f} "
                  "TFLOP/s)", _speed_table(result["speed"]), "", _time_to_accuracy(result["time_to_accuracy"]),
              "", "goals (reported, not asserted)"]
    lines += [f"  {goal['goal']}: {goal['shown']} -> {'met' if goal['met'] else 'not met'}" for goal in result["goals"]]
    lines += ["", f"correctness: {'PASSED' if result['passed'] else 'FAILED'}"]
    return "\n".join(lines)


def _speed_table(rows: list[dict]) -> str:
    header = f"  {'model':9s} {'batch':>5s}  {'side':22s} {'img/s':>9s} {'vs loop':>8s} {'TFLOP/s':>8s} " \
             f"{'% bf16 mm':>9s} {'input %':>7s}"
    lines = [header]
    for row in rows:
        side = (f"reference fp32, {row['workers']} workers" if row["side"] == "reference"
                else f"engine {row.get('precision', '')}{' compiled' if row['compile'] else ''}")
        if "skipped" in row:
            lines.append(f"  {row['model']:9s} {row['batch_size']:5d}  engine compiled: skipped ({row['skipped']})")
            continue
        speedup = f"{row['speedup']:.1f}x" if "speedup" in row else ""
        lines.append(f"  {row['model']:9s} {row['batch_size']:5d}  {side:22s} {row['images_per_second']:9.0f} "
                     f"{speedup:>8s} {row['tflops']:8.2f} {100 * row['fraction_of_bf16_matmul']:9.1f} "
                     f"{100 * row['input_share']:7.1f}")
    return "\n".join(lines)


def _time_to_accuracy(tta: dict) -> str:
    airbench = tta["airbench"]
    reference = (f"  reference: airbench94, {airbench['test_top1']:.0%} in {airbench['seconds']} s on an "
                 f"{airbench['gpu'].removeprefix('NVIDIA ')} ({airbench['note']})")
    if "skipped" in tta:
        return f"time to accuracy: skipped: {tta['skipped']}\n{reference}"
    reached = ", ".join(f"{target}: {'%.1f s' % seconds if seconds is not None else 'not reached'}"
                        for target, seconds in tta["seconds_to"].items())
    stopped = f"; {tta['stopped']}" if tta["stopped"] else ""
    return (f"time to accuracy ({tta['model']}, study 1 quick recipe): {reached} "
            f"(best {100 * tta['best_test_top1']:.1f} %{stopped})\n  {tta['note']}\n{reference}")


def _failed_models(models: list[dict]) -> str:
    failed = [f"{row['model']} {row['input']}" for row in models if not (row["finite"] and row["decreasing"])]
    return f"; FAILED: {', '.join(failed)}" if failed else ""


def _first_line(text: str | None) -> str:
    return (text or "no output").strip().splitlines()[-1] if text else "no output"
