# shellcheck shell=sh
# motd-status: this cluster's incidents and maintenance, shown once at an interactive login.
#
# Sourced from /etc/profile by bash, dash, ksh and zsh (in sh emulation or native). It prints
# only in an interactive login shell whose stdout is a terminal, so scp, sftp, rsync,
# `ssh host cmd`, `bash -lc ...`, `#!/bin/bash -l` batch jobs and `su -l user -c cmd` stay
# byte-for-byte silent.
#
# Login shells only, because RHEL, Rocky, Alma and Fedora source /etc/profile.d/*.sh a second
# time in every interactive shell that is not a login shell: /etc/bashrc (bash), /etc/kshrc
# (ksh) and /etc/zshrc (zsh) do, so without this every new terminal window, `screen` window,
# `srun --pty bash` and `bash` typed at a prompt would show the view again. A login shell is
# told apart as each shell allows: ksh93 and zsh (native or emulating sh or ksh) put `l` in
# $-; bash lists login_shell in $BASHOPTS; and sshd, login, `su -l` and `sudo -i` start every
# shell with a `-` before its name in $0, the only sign dash gives (dash started with -l by hand
# gives none and stays silent).
#
# It is also silent when
#   - ~/.hushlogin exists,
#   - MOTD_STATUS is off, 0, no or false (a user's opt-out),
#   - /etc/motd-status/disabled exists (the site's switch, no fetcher run needed),
#   - TMUX or STY is set and not empty: the shell runs inside tmux or screen, which the login
#     that started them has already greeted (tmux starts a login shell in every new window
#     and pane unless its default-command says otherwise, and screen does when its shell is
#     given with a leading `-`).
# Whether pam_motd has already shown the view (MOTD_SHOWN=pam says only that pam_motd ran) is
# for `motd-status --login` to tell: it knows whether the site publishes the view through it.
#
# Sourcing it must not hurt the shell: every name it sets starts with __motd_status_ and is
# unset again, builtins are written \name so a user's alias cannot replace them, nothing fails
# under `set -e`, `set -u` or `set -f`, and `$?` comes out as it went in (0 under `set -e`, where
# a failed status would end the shell). `motd-status --login` bounds itself (it gives up after a
# short deadline and always exits 0); its stderr is dropped anyway, because a login is no place
# for diagnostics: `motd-status --all` is.
#
# The binary is found by walking $PATH by hand rather than with `command -v`, which answers with
# an alias or function definition when the user has one named motd-status; the hit is then run
# by its absolute path, which no alias or function can shadow. Relative $PATH entries are
# skipped: a login must not run a program from whatever directory it happens to start in.

__motd_status_rc=$?

__motd_status_login=
case $- in
*l*) __motd_status_login=1 ;;
esac
case $0 in
-*) __motd_status_login=1 ;;
esac
if \test -n "${BASH_VERSION-}"; then
    # shellcheck disable=SC3028 # bash's own variable, read only where BASH_VERSION says bash runs
    case :${BASHOPTS-}: in
    *:login_shell:*) __motd_status_login=1 ;;
    esac
fi

case $- in
*i*)
    if \test -n "$__motd_status_login" && \test -t 1; then
        case ${MOTD_STATUS-} in
        [Oo][Ff][Ff] | 0 | [Nn][Oo] | [Ff][Aa][Ll][Ss][Ee]) ;;
        *)
            if ! { \test -n "${HOME-}" && \test -e "$HOME/.hushlogin"; } &&
                \test ! -e /etc/motd-status/disabled && \test -z "${TMUX-}${STY-}"; then
                __motd_status_path=${PATH-}:
                while \test -n "$__motd_status_path"; do
                    __motd_status_dir=${__motd_status_path%%:*}
                    __motd_status_path=${__motd_status_path#*:}
                    case $__motd_status_dir in
                    /*)
                        if \test -f "$__motd_status_dir/motd-status" &&
                            \test -x "$__motd_status_dir/motd-status"; then
                            "$__motd_status_dir/motd-status" --login </dev/null 2>/dev/null || \:
                            \break
                        fi
                        ;;
                    esac
                done
            fi
            ;;
        esac
    fi
    ;;
esac

\unset __motd_status_path __motd_status_dir __motd_status_login
# Under `set -e` a non-zero status would end the shell that sourced this file, so it ends with 0.
case $- in
*e*) __motd_status_rc=0 ;;
esac
# eval expands the saved status before the variable is unset; `return` then ends this file.
\eval "\\unset __motd_status_rc; \\return $__motd_status_rc"
