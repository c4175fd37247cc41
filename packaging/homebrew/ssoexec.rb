# Homebrew formula for the tap ssoexec/homebrew-tap (Formula/ssoexec.rb). A template: @VERSION@
# and @SHA256:<archive suffix>@ are filled in per release by scripts/package-manifests.sh from the
# release's SHA256SUMS (docs/release.md); this comment block is dropped from the result.
class Ssoexec < Formula
  desc "AWS IAM Identity Center credentials for every tool, from the AWS CLI's own cache"
  homepage "https://github.com/ssoexec/ssoexec"
  version "@VERSION@"

  on_macos do
    on_arm do
      url "https://github.com/ssoexec/ssoexec/releases/download/v@VERSION@/ssoexec-@VERSION@-aarch64-apple-darwin.tar.gz"
      sha256 "@SHA256:aarch64-apple-darwin.tar.gz@"
    end
    on_intel do
      url "https://github.com/ssoexec/ssoexec/releases/download/v@VERSION@/ssoexec-@VERSION@-x86_64-apple-darwin.tar.gz"
      sha256 "@SHA256:x86_64-apple-darwin.tar.gz@"
    end
  end

  on_linux do
    on_arm do
      url "https://github.com/ssoexec/ssoexec/releases/download/v@VERSION@/ssoexec-@VERSION@-aarch64-unknown-linux-gnu.tar.gz"
      sha256 "@SHA256:aarch64-unknown-linux-gnu.tar.gz@"
    end
    on_intel do
      url "https://github.com/ssoexec/ssoexec/releases/download/v@VERSION@/ssoexec-@VERSION@-x86_64-unknown-linux-gnu.tar.gz"
      sha256 "@SHA256:x86_64-unknown-linux-gnu.tar.gz@"
    end
  end

  def install
    bin.install "ssoexec", "kubectl-ssoexec"
    generate_completions_from_executable(bin/"ssoexec", "completions")
    (man1/"ssoexec.1").write Utils.safe_popen_read(bin/"ssoexec", "man")
  end

  test do
    assert_match "ssoexec #{version}", shell_output("#{bin}/ssoexec --version")
  end
end
