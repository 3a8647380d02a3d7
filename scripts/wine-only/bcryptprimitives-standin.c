/*
 * WINE-ONLY TEST STAND-IN. NEVER SHIP THIS DLL.
 *
 * Rust's standard library on Windows draws its random numbers (HashMap seeds) from
 * ProcessPrng in bcryptprimitives.dll, which every Windows 10 and 11 has. Wine 8 (Debian
 * 12's) has no bcryptprimitives.dll, so tonghop.exe cannot start under it. This DLL gives
 * Wine that one export by forwarding it to RtlGenRandom (advapi32's SystemFunction036),
 * which Wine does implement. scripts/check-windows-wine.sh builds it into a throw-away
 * Wine prefix; it is never copied beside tonghop.exe and never given to a clerk.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    /* RtlGenRandom takes a 32-bit length: fill larger requests in pieces. */
    while (length > 0) {
        ULONG piece = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, piece))
            return FALSE;
        data += piece;
        length -= piece;
    }
    return TRUE;
}
