package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// cpuParts reads the CPU time the parts of a run have used so far, by name.
// Where a run spends its CPU tells what one send costs each part, whatever
// else the machine runs meanwhile: the figure to compare with PostgreSQL's
// own cost of an insert.
type cpuParts func() map[string]time.Duration

// machinePart names the whole machine's busy time among the parts.
const machinePart = "machine"

// pidCPU returns the CPU time (user and system) process pid has used.
func pidCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return statCPU(string(b))
}

// statCPU reads utime and stime, fields 14 and 15, of a /proc stat line;
// the command name before them, in parentheses, may hold spaces.
func statCPU(s string) (time.Duration, error) {
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, errors.New("bench: short /proc stat")
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// machineBusy returns the time all CPUs of the machine have been busy.
func machineBusy() time.Duration {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0
	}
	fields := strings.Fields(sc.Text()) // cpu user nice system idle iowait irq softirq steal …
	var ticks int64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		if i > 7 { // guest time is counted in user already
			break
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// commCPU sums the CPU time of the processes whose command is comm.
func commCPU(comm string) time.Duration {
	ents, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		s := string(b)
		if i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')'); i < 0 || j < i || s[i+1:j] != comm {
			continue
		}
		if d, err := statCPU(s); err == nil {
			sum += d
		}
	}
	return sum
}

// pgBackends reads the CPU time of the PostgreSQL backends serving the
// connections named application (the server must be on this machine).
// Backends are looked up anew at each call, as pools open connections when
// they need them; one that closed between two calls loses its time.
type pgBackends struct {
	conn        *pgx.Conn
	application string
}

func (b *pgBackends) cpu(ctx context.Context) time.Duration {
	rows, err := b.conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, b.application)
	if err != nil {
		return 0
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0
	}
	var sum time.Duration
	for _, pid := range pids {
		if d, err := pidCPU(int(pid)); err == nil {
			sum += d
		}
	}
	return sum
}

// cpuPerSend divides the CPU time each part used between two readings by
// the acknowledged sends, in microseconds; the machine's busy time, as
// cores, goes in machineCores. Parts absent from either reading are left
// out.
func cpuPerSend(before, after map[string]time.Duration, acked int64, elapsed time.Duration) (perSend map[string]float64, machineCores float64) {
	if before == nil || after == nil || acked == 0 {
		return nil, 0
	}
	perSend = make(map[string]float64)
	for k, a := range after {
		b, ok := before[k]
		if !ok {
			continue
		}
		if k == machinePart {
			machineCores = math.Round((a-b).Seconds()/elapsed.Seconds()*100) / 100
		}
		perSend[k] = math.Round(float64((a-b).Microseconds())/float64(acked)*10) / 10
	}
	return perSend, machineCores
}
