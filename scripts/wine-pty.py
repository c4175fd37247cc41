#!/usr/bin/env python3
"""Runs a command on a new pseudo-terminal, as a person at a console would, for scripts/wine-e2e.sh.

    wine-pty.py [--stdin-null] [--stdout FILE] [--stderr FILE] [--deadline SECS] [--raw FILE]
                [--on TEXT SEND]... -- COMMAND [ARG...]

The command gets the terminal as its controlling terminal, on stdin, stdout and stderr, except
those redirected (--stdin-null: /dev/null; --stdout/--stderr: a file). Wine makes such a terminal
the Windows console of the program (its conhost draws the screen with escape sequences and reads
keys from it). A ^C typed there is SIGINT for every process on the terminal (the line discipline's
ISIG), which wine turns into CTRL_C_EVENT for each, as Windows sends it to every process on the
console.

Each --on TEXT SEND waits until TEXT is on the screen (after the previous step's text) and the
console reads keys (`reads_keys`), then types SEND, in order; SEND is Python-escaped (\\r is
Enter, \\x03 is Ctrl-C). No sleeps: each wait ends when its condition holds, or fails at the
deadline (default 60 s for the whole run).

--raw FILE keeps the bytes the terminal received, escape sequences and all (for a difference).

Prints what the screen shows at the end (a small terminal emulator replays the escape
sequences; trailing blanks and empty lines dropped), then `exit N` with the command's exit status.
Exits 0 when the command ran to its end, 1 when a step or the command missed the deadline (the
command's process group is then killed), 2 on a usage error.
"""
import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time

ROWS, COLS = 50, 160


class Screen:
    """Enough of a VT100 for what wine's conhost and dialoguer draw: text, CR/LF/BS, cursor
    moves (CSI A B C D G H), erasing (CSI J K), scrolling into an unlimited history; SGR colours
    and mode switches are ignored."""

    CSI = re.compile(r"\x1b\[([0-9;?]*)([@-~])")

    def __init__(self):
        self.lines = [[]]  # history and screen; the screen is the last ROWS lines
        self.row, self.col = 0, 0
        self.pending = ""

    def top(self):
        return max(0, len(self.lines) - ROWS)

    def put(self, ch):
        line = self.lines[self.row]
        while len(line) < self.col:
            line.append(" ")
        if self.col < len(line):
            line[self.col] = ch
        else:
            line.append(ch)
        self.col += 1

    def down(self):
        self.row += 1
        while len(self.lines) <= self.row:
            self.lines.append([])

    def csi(self, params, final):
        if params.startswith("?"):
            return
        nums = [int(p) if p else 0 for p in params.split(";")] if params else []
        n = (nums[0] if nums else 0) or 1
        if final == "A":
            self.row = max(self.top(), self.row - n)
        elif final == "B":
            for _ in range(n):
                self.down()
        elif final == "C":
            self.col += n
        elif final == "D":
            self.col = max(0, self.col - n)
        elif final == "G":
            self.col = n - 1
        elif final in "Hf":
            r = (nums[0] if nums else 1) or 1
            c = (nums[1] if len(nums) > 1 else 1) or 1
            self.row = self.top() + r - 1
            while len(self.lines) <= self.row:
                self.lines.append([])
            self.col = c - 1
        elif final == "K":
            mode = nums[0] if nums else 0
            line = self.lines[self.row]
            if mode == 0:
                del line[self.col :]
            elif mode == 1:
                for i in range(min(self.col + 1, len(line))):
                    line[i] = " "
            else:
                line.clear()
        elif final == "J":
            mode = nums[0] if nums else 0
            if mode == 0:
                del self.lines[self.row][self.col :]
                del self.lines[self.row + 1 :]
            elif mode == 2:
                for i in range(self.top(), len(self.lines)):
                    self.lines[i] = []

    def feed(self, text):
        text = self.pending + text
        self.pending = ""
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "\x1b":
                m = self.CSI.match(text, i)
                if m:
                    self.csi(m.group(1), m.group(2))
                    i = m.end()
                    continue
                if len(text) - i < 16 and re.fullmatch(r"\x1b(\[[0-9;?]*)?", text[i:]):
                    self.pending = text[i:]  # the rest of the sequence comes with the next read
                    break
                m = re.compile(r"\x1b\][^\x07]*(\x07|\x1b\\)").match(text, i)  # OSC (window title)
                i = m.end() if m else i + 2
                continue
            if ch == "\r":
                self.col = 0
            elif ch == "\n":
                self.down()
            elif ch == "\b":
                self.col = max(0, self.col - 1)
            elif ch >= " " or ch == "\t":
                self.put(ch)
            i += 1

    def text(self):
        rows = ["".join(line).rstrip() for line in self.lines]
        while rows and not rows[-1]:
            rows.pop()
        return "\n".join(rows)


def usage(message):
    print(f"wine-pty.py: {message}", file=sys.stderr)
    sys.exit(2)


def parse(argv):
    opts = {"stdin_null": False, "stdout": None, "stderr": None, "raw": None, "deadline": 60.0, "steps": []}
    i = 0
    while i < len(argv) and argv[i] != "--":
        flag = argv[i]
        if flag == "--stdin-null":
            opts["stdin_null"] = True
            i += 1
        elif flag in ("--stdout", "--stderr", "--raw", "--deadline") and i + 1 < len(argv):
            opts[flag[2:]] = float(argv[i + 1]) if flag == "--deadline" else argv[i + 1]
            i += 2
        elif flag == "--on" and i + 2 < len(argv):
            send = codecs.decode(argv[i + 2], "unicode_escape").encode("latin-1")
            opts["steps"].append((argv[i + 1], send))
            i += 3
        else:
            usage(f"unknown or incomplete option {flag}")
    if i + 1 >= len(argv):
        usage("no command after --")
    return opts, argv[i + 1 :]


def start(opts, command):
    pid, fd = pty.fork()
    if pid == 0:
        try:
            if opts["stdin_null"]:
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            for target, name in ((1, "stdout"), (2, "stderr")):
                if opts[name]:
                    os.dup2(os.open(opts[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), target)
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    # No echo by the line discipline: the screen is what the console draws, and a ^C is not
    # echoed at a place that depends on timing.
    attrs = termios.tcgetattr(fd)
    attrs[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    return pid, fd


def reads_keys(fd):
    """The console takes keys one by one: wine's conhost puts the terminal in raw mode (no line
    editing) only once a program reads the console. Keys typed before that go through the line
    discipline, and Enter arrives as ^J, which conhost does not take for Enter. ^C needs no wait:
    ISIG stays on, so it is SIGINT for the terminal's processes either way, which wine turns
    into CTRL_C_EVENT."""
    return not termios.tcgetattr(fd)[3] & termios.ICANON


def main():
    opts, command = parse(sys.argv[1:])
    pid, fd = start(opts, command)
    screen, decoder = Screen(), codecs.getincrementaldecoder("utf-8")("replace")
    steps, seen_upto, deadline = list(opts["steps"]), 0, time.monotonic() + opts["deadline"]
    status, open_fd = None, True
    raw = open(opts["raw"], "wb") if opts["raw"] else None
    # Until the command has ended and every process on the terminal has closed it (wine's conhost
    # draws the last lines after its client is gone, then exits: end of file).
    while (status is None or open_fd) and time.monotonic() < deadline:
        if steps:
            at = screen.text().find(steps[0][0], seen_upto)
            if at >= 0 and (steps[0][1] == b"\x03" or reads_keys(fd)):
                seen_upto = at + len(steps[0][0])
                os.write(fd, steps.pop(0)[1])
                continue
        if open_fd and select.select([fd], [], [], 0.05)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: nobody holds the terminal any more
                data = b""
            if data:
                screen.feed(decoder.decode(data))
                if raw:
                    raw.write(data)
            else:
                open_fd = False
        elif not open_fd:
            time.sleep(0.05)  # polling for the exit status only; the deadline bounds it
        if status is None:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(code)
    if raw:
        raw.close()
    print(screen.text())
    if status is None or open_fd:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if status is None:
            os.waitpid(pid, 0)
        if steps:
            waiting = f"for {steps[0][0]!r} on the screen"
        elif status is None:
            waiting = "for the command to end"
        else:
            waiting = f"for the terminal to be closed (the command exited {status})"
        print(f"wine-pty.py: deadline passed waiting {waiting}", file=sys.stderr)
        sys.exit(1)
    print(f"exit {status}")


if __name__ == "__main__":
    main()
