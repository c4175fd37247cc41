/* A Windows console program for scripts/wine-e2e.sh (built there with mingw-w64):
 *
 *   wine-console-child wait CODE   prints "child-ready" on stderr, then waits for Ctrl-C (or
 *                                  Ctrl-Break); its handler prints "child-got-ctrl-c" on stdout
 *                                  and the process exits with CODE (decimal or 0x hex). Gives up
 *                                  after 60 s (exit 9).
 *   wine-console-child until-file PATH
 *                                  waits until PATH exists, then exits 0 (gives up after 60 s:
 *                                  exit 9).
 *   wine-console-child hold ENVFILE STOPFILE
 *                                  survives Ctrl-C: writes "URI TOKEN" (its
 *                                  AWS_CONTAINER_CREDENTIALS_FULL_URI and _AUTHORIZATION_TOKEN) to
 *                                  ENVFILE, prints "child-ready" on stderr, creates ENVFILE.ctrl-c
 *                                  when a Ctrl-C comes, and exits 0 once STOPFILE exists (gives up
 *                                  after 60 s: exit 9).
 *   wine-console-child run LINE    runs the command line LINE, waits for it and prints
 *                                  "exit code 0x........": the whole 32-bit code, which a Unix
 *                                  caller of wine sees only modulo 256. It ignores Ctrl-C itself
 *                                  with a handler (not inherited, unlike SetConsoleCtrlHandler(NULL)).
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile LONG interrupted = 0;

static BOOL WINAPI note_interrupt(DWORD type) {
  if (type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT) {
    InterlockedExchange(&interrupted, 1);
    return TRUE;
  }
  return FALSE;
}

static int wait_for_interrupt(const char *code) {
  SetConsoleCtrlHandler(note_interrupt, TRUE);
  fprintf(stderr, "child-ready\n");
  fflush(stderr);
  for (int i = 0; i < 600; i++) {
    if (interrupted) {
      printf("child-got-ctrl-c\n");
      fflush(stdout);
      ExitProcess((UINT)strtoul(code, NULL, 0));
    }
    Sleep(100);
  }
  printf("child-timed-out\n");
  return 9;
}

static int until_file(const char *path) {
  for (int i = 0; i < 1200; i++) {
    if (GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES) return 0;
    Sleep(50);
  }
  return 9;
}

static int hold(const char *envfile, const char *stopfile) {
  char marker[MAX_PATH + 16];
  const char *uri = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  const char *token = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  FILE *f = fopen(envfile, "w");
  int noted = 0;
  SetConsoleCtrlHandler(note_interrupt, TRUE);
  if (!f) return 8;
  fprintf(f, "%s %s\n", uri ? uri : "-", token ? token : "-");
  fclose(f);
  snprintf(marker, sizeof marker, "%s.ctrl-c", envfile);
  fprintf(stderr, "child-ready\n");
  fflush(stderr);
  for (int i = 0; i < 1200; i++) {
    if (interrupted && !noted) {
      FILE *m = fopen(marker, "w");
      if (m) fclose(m);
      noted = 1;
    }
    if (GetFileAttributesA(stopfile) != INVALID_FILE_ATTRIBUTES) return 0;
    Sleep(50);
  }
  return 9;
}

static int run(char *line) {
  STARTUPINFOA si;
  PROCESS_INFORMATION pi;
  DWORD code = 0;
  SetConsoleCtrlHandler(note_interrupt, TRUE);
  memset(&si, 0, sizeof si);
  si.cb = sizeof si;
  if (!CreateProcessA(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
    printf("cannot run %s: error %lu\n", line, GetLastError());
    return 8;
  }
  WaitForSingleObject(pi.hProcess, INFINITE);
  GetExitCodeProcess(pi.hProcess, &code);
  printf("exit code 0x%08lx\n", code);
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "wait") == 0) return wait_for_interrupt(argv[2]);
  if (argc == 3 && strcmp(argv[1], "until-file") == 0) return until_file(argv[2]);
  if (argc == 4 && strcmp(argv[1], "hold") == 0) return hold(argv[2], argv[3]);
  if (argc == 3 && strcmp(argv[1], "run") == 0) return run(argv[2]);
  fprintf(stderr, "usage: wine-console-child wait CODE | until-file PATH | hold ENVFILE STOPFILE | run COMMAND-LINE\n");
  return 2;
}
