# motd-status: this cluster's incidents and maintenance, shown once at an interactive login.
#
# The csh and tcsh twin of motd-status.sh, sourced by them at login; the same rules hold. It
# prints only in an interactive ($?prompt) login shell whose stdout is a terminal, and is silent
# when
#   - ~/.hushlogin exists,
#   - MOTD_STATUS is off, 0, no or false (a user's opt-out),
#   - /etc/motd-status/disabled exists (the site's switch),
#   - TMUX or STY is set and not empty: the shell runs inside tmux or screen, whose own login
#     shells (tmux starts one in every new window and pane) would show the view again.
# Whether pam_motd has already shown the view is for `motd-status --login` to tell.
#
# Login shells only, because RHEL, Rocky, Alma and Fedora source /etc/profile.d/*.csh from
# /etc/csh.cshrc in every tcsh that is not a login shell (and from /etc/csh.login in login
# shells), so without this every new terminal window, `screen` window and `tcsh` typed at a prompt
# would show the view again. tcsh says it is a login shell by setting $loginsh. The BSD csh sets no such variable and
# has no other sign a sourced file can read; it runs this file only from /etc/csh.login (Debian's
# /etc/csh/login.d, which that file reads), which csh reads in login shells only, so in a csh that
# is not tcsh the file takes that as the answer.
#
# csh expands every variable on a line before it evaluates anything, so a test of a variable that
# may be unset sits in its own `if ( $?NAME )`. Names set here start with __motd_status_ and are
# unset again. csh starts a sourced file with $status 0, so the caller's status is gone before
# the first line runs; the file ends with 0, as an empty one would. csh finds no builtin written
# \name, so builtins are written plainly; the commands it runs, it runs by absolute path, which
# no alias can replace.
#
# The terminal test `-t 1` is tcsh's; another csh would stop this file on it, so there /bin/sh
# asks instead (one fork, in interactive shells only). The binary is found by walking $path by
# hand (csh has no `command -v`, and `which` is an alias or an outside program), skipping
# relative entries: a login must not run a program from whatever directory it starts in. csh
# cannot send stderr alone elsewhere, so /bin/sh runs the binary with stderr dropped and stdout
# left on the terminal.

set __motd_status_go = 0
if ( $?prompt ) then
    if ( $?tcsh ) then
        if ( $?loginsh ) then
            if ( -t 1 ) set __motd_status_go = 1
        endif
    else
        if ( { /bin/sh -c 'test -t 1' } ) set __motd_status_go = 1
    endif
endif
if ( $?MOTD_STATUS ) then
    switch ( "$MOTD_STATUS" )
    case [Oo][Ff][Ff]:
    case 0:
    case [Nn][Oo]:
    case [Ff][Aa][Ll][Ss][Ee]:
        set __motd_status_go = 0
        breaksw
    endsw
endif
if ( $?HOME ) then
    if ( "$HOME" != "" && -e "$HOME/.hushlogin" ) set __motd_status_go = 0
endif
if ( -e /etc/motd-status/disabled ) set __motd_status_go = 0
if ( $?TMUX ) then
    if ( "$TMUX" != "" ) set __motd_status_go = 0
endif
if ( $?STY ) then
    if ( "$STY" != "" ) set __motd_status_go = 0
endif
if ( ! $?path ) set __motd_status_go = 0

if ( $__motd_status_go ) then
    foreach __motd_status_dir ( $path:q )
        if ( "$__motd_status_dir" =~ /* ) then
            if ( -f "$__motd_status_dir/motd-status" && -x "$__motd_status_dir/motd-status" ) then
                /bin/sh -c '"$0" --login </dev/null 2>/dev/null; exit 0' \
                    "$__motd_status_dir/motd-status"
                break
            endif
        endif
    end
endif

unset __motd_status_go __motd_status_dir
